import ArgumentParser
import HtpasswdCore
import HtpasswdVerifier

/// The text formats of `hash --format` and `export --format`.
enum TextFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// As in the file.
    case plain
    /// A Kubernetes Secret manifest (export only).
    case k8sSecret = "k8s-secret"
    /// For Docker Compose labels and `environment:`: every `$` doubled, as Compose interpolation needs.
    case compose
    /// For a `.env` file: single-quoted, so that nothing is interpolated.
    case dotenv

    /// `value` written for this format (plain, compose or dotenv).
    ///
    /// - Throws: ``CommandError`` (5) for a dotenv value with a single quote, which cannot be quoted there.
    func escape(_ value: [UInt8]) throws -> [UInt8] {
        switch self {
        case .plain, .k8sSecret:
            return value
        case .compose:
            return value.flatMap { $0 == UInt8(ascii: "$") ? [$0, $0] : [$0] }
        case .dotenv:
            guard !value.contains(UInt8(ascii: "'")) else {
                throw CommandError(
                    .rejectedInput, "A name with a single quote cannot be written in a .env file; use --format compose")
            }
            return [UInt8(ascii: "'")] + value + [UInt8(ascii: "'")]
        }
    }
}

extension Htpass {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Print a file as a Kubernetes Secret, or as a value for Docker Compose or a .env file.",
            discussion: """
                --format k8s-secret --for CONSUMER prints a Secret manifest with the type and key CONSUMER reads, \
                the file's bytes in base64 on one line: ingress-nginx (Opaque, key auth), nginx-inc (type \
                nginx.org/htpasswd, key htpasswd), traefik (Opaque, key users), envoy-gateway (Opaque, key \
                .htpasswd), openshift (Opaque, key htpasswd, namespace openshift-config). Entries the consumer \
                cannot verify (checked with its target profiles: see 'htpass check') are refused with status 5, \
                and nothing is printed.

                --format compose prints the entries as one comma-separated value with every '$' doubled, for a \
                Compose label or environment value (traefik.http.middlewares.NAME.basicauth.users=...); --format \
                dotenv prints NAME='...' (--name, default HTPASSWD_USERS) for a .env file, single-quoted so that \
                nothing is interpolated. A file that is mounted into a container is never escaped: mount the \
                htpasswd file itself.

                EXAMPLES:
                  htpass export htpasswd --format k8s-secret --for ingress-nginx --name basic-auth --namespace web | kubectl apply -f -
                  htpass export htpasswd --format compose --for traefik
                  htpass export htpasswd --format dotenv >> .env
                """)

        @Argument(help: "The htpasswd file.", completion: .file())
        var file: String

        @Option(help: ArgumentHelp("k8s-secret, compose or dotenv.", valueName: "format"))
        var format: TextFormat

        @Option(
            name: .customLong("for"),
            help: ArgumentHelp(
                "The consumer: ingress-nginx, nginx-inc, traefik, envoy-gateway, openshift.", valueName: "consumer"))
        var consumer: SecretConsumer?

        @Option(help: ArgumentHelp("The Secret's name, or the .env variable's.", valueName: "name"))
        var name: String?

        @Option(help: ArgumentHelp("The Secret's namespace.", valueName: "namespace"))
        var namespace: String?

        @OptionGroup(title: "Targets")
        var target: TargetOptions

        func validate() throws {
            if format == .plain { throw ValidationError("--format is k8s-secret, compose or dotenv") }
            if format == .k8sSecret && consumer == nil {
                throw ValidationError(
                    "--format k8s-secret needs --for ingress-nginx, nginx-inc, traefik, envoy-gateway or openshift")
            }
            if format == .k8sSecret, let name, !Self.isDNSName(name, limit: 253, dots: true) {
                throw ValidationError("--name must be a DNS subdomain name: lower-case letters, digits, '-' and '.'")
            }
            if let namespace, !Self.isDNSName(namespace, limit: 63, dots: false) {
                throw ValidationError("--namespace must be a DNS label: lower-case letters, digits and '-'")
            }
            if let namespace, let consumer, let required = consumer.requiredNamespace, namespace != required {
                throw ValidationError(
                    "--for \(consumer.rawValue) reads the Secret only in the namespace \(required); leave out --namespace"
                )
            }
            if let name, format == .dotenv, !Self.isVariableName(name) {
                throw ValidationError("--name must be a variable name: letters, digits and '_'")
            }
        }

        func run() throws {
            let path = RawArguments.path(file)
            let store = HtpasswdStore(path: path)
            var targets = consumer?.targets ?? []
            targets += try target.choice.resolved().filter { !targets.contains($0) }
            // One version of the file for the check and the output, even if an edit lands meanwhile.
            let (refusal, hasUsers, content) = try store.withConsistentReads {
                () throws(HtpasswdError) -> (FileCheck.Finding?, Bool, [[UInt8]]) in
                // Refuse what a consumer cannot verify: every error of a content check.
                var refusal: FileCheck.Finding?
                try FileCheck(store: store, targets: targets, checksPath: false).run { finding in
                    if refusal == nil, finding.severity == .error { refusal = finding }
                }
                // The file's bytes for a Secret; each user's first entry for Compose and .env. One read.
                if format == .k8sSecret {
                    let file = try store.read()
                    var entries = file.lazyEntries.makeIterator()
                    return (refusal, entries.next() != nil, [file.bytes])
                }
                var hasUsers = false
                var content: [[UInt8]] = []
                var seen = Set<[UInt8]>()
                try store.scan { line in
                    guard line.kind == .entry else { return }
                    hasUsers = true
                    guard seen.insert(Array(line.user)).inserted else { return }
                    content.append(Array(line.user) + [UInt8(ascii: ":")] + Array(line.hash))
                }
                return (refusal, hasUsers, content)
            }
            if let refusal {
                let place = refusal.line.map { "line \($0): " } ?? ""
                throw CommandError(
                    .rejectedInput, "Not exported: \(place)\(Findings.message(refusal, targets: targets))")
            }
            if !hasUsers { Output.warning("'\(path.display)' has no users: every request would get 401") }
            switch format {
            case .k8sSecret:
                printSecret(content[0], consumer: consumer!)
            case .compose, .dotenv:
                let entries = content
                let joined = Array(entries.joined(separator: [UInt8(ascii: ",")]))
                if format == .compose {
                    Output.line(try format.escape(joined))
                } else {
                    Output.line(
                        Array((name ?? "HTPASSWD_USERS").utf8) + [UInt8(ascii: "=")] + (try format.escape(joined)))
                }
            case .plain:
                break
            }
        }

        private func printSecret(_ bytes: [UInt8], consumer: SecretConsumer) {
            let namespace = namespace ?? consumer.requiredNamespace
            var yaml = """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: \(name ?? "basic-auth")

                """
            if let namespace { yaml += "  namespace: \(namespace)\n" }
            yaml += """
                type: \(consumer.secretType)
                data:
                  "\(consumer.key)": \(bytes.isEmpty ? "\"\"" : Base64.encode(bytes))
                """
            Output.line(yaml)
        }

        static func isDNSName(_ text: String, limit: Int, dots: Bool) -> Bool {
            guard !text.isEmpty, text.count <= limit, let first = text.first, let last = text.last,
                first.isLetter || first.isNumber, last.isLetter || last.isNumber
            else { return false }
            return text.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || (dots && $0 == ".")
            }
        }

        static func isVariableName(_ text: String) -> Bool {
            guard let first = text.first, !first.isNumber else { return false }
            return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        }
    }
}

extension SecretConsumer: ExpressibleByArgument {}

import ArgumentParser
import HtpasswdCore
import HtpasswdLint
import HtpasswdVerifier

/// `htpass export FILE --format F`.
struct ExportRequest: Equatable, Sendable {
    var file: String
    var format: TextFormat
    var consumer: SecretConsumer?
    var name: String?
    var namespace: String?
    var targets: TargetChoice

    /// - Throws: `ValidationError` for a consumer, name or namespace that does not go with the format.
    init(
        file: String, format: TextFormat, consumer: SecretConsumer?, name: String?, namespace: String?,
        targets: TargetChoice
    ) throws {
        if format == .k8sSecret && consumer == nil {
            throw ValidationError(
                "--format k8s-secret needs --for \(Grammar.alternatives(SecretConsumer.allCases.map { $0.rawValue }))")
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
        if let name, format == .dotenv, !TextFormat.isVariableName(name) {
            throw ValidationError("--name must be a variable name: letters, digits and '_'")
        }
        self.file = file
        self.format = format
        self.consumer = consumer
        self.name = name
        self.namespace = namespace
        self.targets = targets
    }

    func run() throws {
        let path = try StandardInputFile.path(file)
        let store = HtpasswdStore(path: path)
        var targets = consumer?.targets ?? []
        targets += try self.targets.resolved().filter { !targets.contains($0) }
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
                Output.line(try format.dotenvLine(joined, name: name))
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
}

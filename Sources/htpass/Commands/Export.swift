import ArgumentParser
import HtpasswdCore
import HtpasswdVerifier

/// The text formats of `hash --format` and `export --format` (each command offers its own:
/// ``HashOutputFormat``, ``ExportFormat``).
enum TextFormat: String, CaseIterable, Sendable {
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

    /// The default variable of `--format dotenv`.
    static let defaultVariable = "HTPASSWD_USERS"

    /// A `.env` line: `NAME='value'`.
    func dotenvLine(_ value: [UInt8], name: String?) throws -> [UInt8] {
        Array((name ?? Self.defaultVariable).utf8) + [UInt8(ascii: "=")] + (try escape(value))
    }

    /// Whether `text` can name a variable in a `.env` file: letters, digits and `_`, not starting with a digit.
    static func isVariableName(_ text: String) -> Bool {
        guard let first = text.first, !first.isNumber else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}

/// `hash --format`: the formats hash prints.
enum HashOutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case plain, compose, dotenv

    var text: TextFormat { TextFormat(rawValue: rawValue)! }
}

/// `export --format`: the formats export prints.
enum ExportFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case k8sSecret = "k8s-secret", compose, dotenv

    var text: TextFormat { TextFormat(rawValue: rawValue)! }
}

extension Htpass {
    struct Export: RequestCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Print a file as a Kubernetes Secret, or as a value for Docker Compose or a .env file.",
            discussion: """
                --format k8s-secret --for CONSUMER prints a Secret manifest with the type and key CONSUMER reads, \
                the file's bytes in base64 on one line: \(SecretConsumer.shapes). Entries the consumer \
                cannot verify (checked with its target profiles: see 'htpass check') are refused with status 5, \
                and nothing is printed.

                --format compose prints the entries as one comma-separated value with every '$' doubled, for a \
                Compose label or environment value (traefik.http.middlewares.NAME.basicauth.users=...); --format \
                dotenv prints NAME='...' (--name, default HTPASSWD_USERS) for a .env file, single-quoted so that \
                nothing is interpolated. These values are for labels and variables only: a file that a container \
                reads is mounted as it is, never escaped (mount its directory, so that edits reach the container).

                EXAMPLES:
                  htpass export htpasswd --format k8s-secret --for ingress-nginx --name basic-auth --namespace web | kubectl apply -f -
                  htpass export htpasswd --format compose --for traefik
                  htpass export htpasswd --format dotenv >> .env
                """)

        @Argument(help: "The htpasswd file.", completion: .file())
        var file: String

        @Option(name: .customLong("format"), help: ArgumentHelp("What to print.", valueName: "format"))
        var exportFormat: ExportFormat

        var format: TextFormat { exportFormat.text }

        @Option(
            name: .customLong("for"),
            help: ArgumentHelp(
                "The consumer that reads the Secret, which decides its type and key.", valueName: "consumer"))
        var consumer: SecretConsumer?

        @Option(help: ArgumentHelp("The Secret's name, or the .env variable's.", valueName: "name"))
        var name: String?

        @Option(help: ArgumentHelp("The Secret's namespace.", valueName: "namespace"))
        var namespace: String?

        @OptionGroup(title: "Targets")
        var target: TargetOptions

        func makeRequest() throws -> Request {
            .export(
                try ExportRequest(
                    file: file, format: format, consumer: consumer, name: name, namespace: namespace,
                    targets: target.choice))
        }
    }
}

extension SecretConsumer: ExpressibleByArgument {
    /// Every consumer with the Secret it reads, for help: `ingress-nginx (Opaque, key auth), nginx-inc (type
    /// nginx.org/htpasswd, key htpasswd), ...`.
    static var shapes: String {
        var text = ""
        for consumer in allCases {
            let type = consumer.secretType == "Opaque" ? "Opaque" : "type \(consumer.secretType)"
            let namespace = consumer.requiredNamespace.map { ", namespace \($0)" } ?? ""
            text += (text.isEmpty ? "" : ", ") + "\(consumer.rawValue) (\(type), key \(consumer.key)\(namespace))"
        }
        return text
    }
}

extension Htpass.Export: FileCommand {
    static var fileUse: FileUse { .read }
}

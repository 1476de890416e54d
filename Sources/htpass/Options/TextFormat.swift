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

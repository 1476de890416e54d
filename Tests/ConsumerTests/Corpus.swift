import Foundation
import TestSupport

/// The cross-consumer corpus: Tests/Fixtures/corpus/manifest.json and the files it names, made by
/// Tests/Fixtures/corpus/generate.py with htpasswd, openssl, mkpasswd and passlib.
struct Corpus: Sendable {
    struct Case: Sendable, CustomStringConvertible {
        var id: String
        var file: String
        var user: [UInt8]
        var password: [UInt8]
        /// right, wrong, unknown-user, duplicate.
        var kind: String
        /// The line whose hash was made from this password for this user; nil for a wrong password or an
        /// unknown user.
        var line: Int?
        /// Every line written for this user (more than one: the user is listed twice).
        var linesForUser: [Int]
        var about: String
        var slow: Bool
        /// The server's answer depends on the password (its length, a NUL byte), not only on the file:
        /// left out of what `htpass check` must report.
        var passwordSpecific: Bool

        var description: String {
            let place = line.map { " line \($0)" } ?? ""
            return
                "case \(id) [\(file)\(place) user \(Escaped(user)) password \(Escaped(password, limit: 24))]: \(about)"
        }
    }

    var cases: [Case]
    static let directory = TestSupport.fixtures + "/corpus"

    /// Whether the slow tier runs: `HTPASS_CONSUMER_SLOW=1` (make test-consumers-slow).
    static var slowTier: Bool { ProcessInfo.processInfo.environment["HTPASS_CONSUMER_SLOW"] == "1" }

    static func path(of file: String) -> String { directory + "/files/" + file }

    static func load() throws -> Corpus {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json"))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let list = root["cases"] as? [[String: Any]]
        else { throw CorpusError(description: "manifest.json: no cases") }
        var cases: [Case] = []
        for item in list {
            guard let id = item["id"] as? String, let file = item["file"] as? String,
                let user = (item["user"] as? String).flatMap({ Data(base64Encoded: $0) }),
                let password = (item["password"] as? String).flatMap({ Data(base64Encoded: $0) }),
                let kind = item["kind"] as? String, let about = item["about"] as? String
            else { throw CorpusError(description: "manifest.json: a malformed case: \(item)") }
            cases.append(
                Case(
                    id: id, file: file, user: Array(user), password: Array(password), kind: kind,
                    line: item["line"] as? Int, linesForUser: item["lines_for_user"] as? [Int] ?? [], about: about,
                    slow: item["slow"] as? Bool ?? false,
                    passwordSpecific: item["password_specific"] as? Bool ?? false))
        }
        return Corpus(cases: cases)
    }

    /// `HTPASS_CONSUMER_FILES=REGEX`: only the corpus files whose name matches (to look at a few cases, or run
    /// the slow ones for one target). A pattern that is no regular expression matches nothing, which
    /// `ConsumerTests.filterSelectsCases` reports.
    static let fileFilter: NSRegularExpression? = {
        guard let pattern = ProcessInfo.processInfo.environment["HTPASS_CONSUMER_FILES"], !pattern.isEmpty else {
            return nil
        }
        return (try? NSRegularExpression(pattern: pattern)) ?? (try? NSRegularExpression(pattern: "(?!)"))
    }()

    static func selected(_ file: String) -> Bool {
        guard let filter = fileFilter else { return true }
        return filter.firstMatch(in: file, range: NSRange(file.startIndex..., in: file)) != nil
    }

    /// The cases this run covers (the slow ones only in the slow tier), grouped by file in manifest order.
    func byFile(includeSlow: Bool = Corpus.slowTier) -> [(file: String, cases: [Case])] {
        var order: [String] = []
        var groups: [String: [Case]] = [:]
        for item in cases where (includeSlow || !item.slow) && Corpus.selected(item.file) {
            if groups[item.file] == nil { order.append(item.file) }
            groups[item.file, default: []].append(item)
        }
        return order.map { ($0, groups[$0]!) }
    }

    struct CorpusError: Error, CustomStringConvertible {
        var description: String
    }
}

/// Bytes shown as a Swift-like escaped string: printable ASCII as is, the rest as \n, \t, \0, \u{..} or
/// \x.. (bytes that are not UTF-8), cut after `limit` characters.
struct Escaped: CustomStringConvertible {
    var bytes: [UInt8]
    var limit: Int = 64

    init(_ bytes: [UInt8], limit: Int = 64) {
        self.bytes = bytes
        self.limit = limit
    }

    var description: String {
        var out = "\""
        var shown = 0
        var index = 0
        let valid = String(validating: bytes, as: UTF8.self)
        if let text = valid {
            for scalar in text.unicodeScalars {
                if shown == limit { break }
                shown += 1
                switch scalar {
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case "\0": out += "\\0"
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value):
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                default: out.unicodeScalars.append(scalar)
                }
            }
            index = shown
        } else {
            for byte in bytes {
                if shown == limit { break }
                shown += 1
                if (0x20..<0x7F).contains(byte) && byte != 0x22 && byte != 0x5C {
                    out.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    out += "\\x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
                }
            }
            index = shown
        }
        let total = valid.map { $0.unicodeScalars.count } ?? bytes.count
        if index < total { out += "…(\(bytes.count) bytes)" }
        return out + "\""
    }
}

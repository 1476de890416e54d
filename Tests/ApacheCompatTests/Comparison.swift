import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How two runs of one case differ: exit status, standard output (hashes by format, then checked with both
/// tools), the kinds of message on standard error, and the file afterwards.
struct Comparison {
    let testCase: Case
    let checker: HashChecker

    /// The differences between `apache` and `ours`, as readable lines; empty when they agree.
    func differences(_ apache: Runner.Result, _ ours: Runner.Result) throws -> [String] {
        var found: [String] = []
        if apache.status != ours.status { found.append("status: apache \(apache.status), htpass \(ours.status)") }

        let apacheKinds = MessageKinds.classify(apache.stderr).kinds
        let ourKinds = MessageKinds.classify(ours.stderr).kinds
        if apacheKinds != ourKinds {
            found.append(
                "messages: apache \(apacheKinds.sorted()), htpass \(ourKinds.sorted()) (htpass only: "
                    + "\(ourKinds.subtracting(apacheKinds).sorted()), apache only: "
                    + "\(apacheKinds.subtracting(ourKinds).sorted()))")
        }
        if apache.echoOff != ours.echoOff { found.append("echo: apache \(apache.echoOff), htpass \(ours.echoOff)") }

        found += try outputDifferences(apache.stdout, ours.stdout)
        found += try fileDifferences(apache, ours)
        if apache.otherNames != ours.otherNames {
            found.append("other files left: apache \(apache.otherNames), htpass \(ours.otherNames)")
        }
        return found
    }

    // MARK: Standard output

    /// `-n` prints `user:hash` and an empty line: compared with each hash replaced by its format, and each hash
    /// checked with both tools.
    private func outputDifferences(_ apache: [UInt8], _ ours: [UInt8]) throws -> [String] {
        if apache == ours { return [] }
        let apacheLines = lines(apache)
        let ourLines = lines(ours)
        guard apacheLines.count == ourLines.count else {
            return ["stdout: apache \(show(apache)), htpass \(show(ours))"]
        }
        var found: [String] = []
        for (a, o) in zip(apacheLines, ourLines) where a.text != o.text || a.ending != o.ending {
            guard let record = Record(a.text), let ourRecord = Record(o.text), record.user == ourRecord.user,
                record.format == ourRecord.format, a.ending == o.ending
            else {
                found.append("stdout: apache \(show(apache)), htpass \(show(ours))")
                continue
            }
            found += try checkHashes(record, ourRecord, context: "stdout")
        }
        return found
    }

    // MARK: The file

    private func fileDifferences(_ apache: Runner.Result, _ ours: Runner.Result) throws -> [String] {
        switch (apache.file, ours.file) {
        case (nil, nil):
            return []
        case (.some, nil):
            return ["file: apache left \(show(apache.file!)), htpass left no file"]
        case (nil, .some):
            return ["file: apache left no file, htpass left \(show(ours.file!))"]
        case (.some(let a), .some(let o)):
            var found: [String] = []
            if apache.mode != ours.mode {
                found.append(
                    "mode: apache \(String(apache.mode ?? 0, radix: 8)), htpass \(String(ours.mode ?? 0, radix: 8))")
            }
            if a == o { return found }
            let apacheLines = lines(a)
            let ourLines = lines(o)
            let users = { (lines: [Line]) in lines.compactMap { Record($0.text)?.user } }
            guard users(apacheLines) == users(ourLines), apacheLines.count == ourLines.count else {
                return found + ["file: apache \(show(a)), htpass \(show(o))"]
            }
            for (index, (al, ol)) in zip(apacheLines, ourLines).enumerated()
            where al.text != ol.text || al.ending != ol.ending {
                // Only the line of the user the run wrote may differ, and then only by its salt.
                guard let record = Record(al.text), let ourRecord = Record(ol.text), record.user == ourRecord.user,
                    record.user == testCase.stored?.user, record.format == ourRecord.format,
                    record.extra == ourRecord.extra, al.ending == ol.ending
                else {
                    found.append(
                        "file line \(index + 1): apache \(show(al.text + al.ending)), htpass \(show(ol.text + ol.ending))"
                    )
                    continue
                }
                found += try checkHashes(record, ourRecord, context: "file line \(index + 1)")
            }
            return found
        }
    }

    /// Two records of the same user with different salts: each must hold the case's password for both tools.
    private func checkHashes(_ apache: Record, _ ours: Record, context: String) throws -> [String] {
        guard let stored = testCase.stored, stored.user == apache.user else {
            return ["\(context): \(show(apache.raw)) and \(show(ours.raw)) differ, and the case names no password"]
        }
        var found: [String] = []
        for (who, record) in [("apache", apache), ("htpass", ours)] {
            if let problem = try checker.problem(user: record.user, hash: record.hash, password: stored.password) {
                found.append("\(context) (\(who)'s hash): \(problem)")
            }
        }
        return found
    }

    // MARK: Lines and records

    struct Line {
        var text: [UInt8]
        var ending: [UInt8]
    }

    /// The lines of `bytes` with their endings (`\n`, `\r\n` or none).
    private func lines(_ bytes: [UInt8]) -> [Line] {
        var result: [Line] = []
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            if end == bytes.count {
                result.append(Line(text: Array(bytes[start...]), ending: []))
                break
            }
            if end > start && bytes[end - 1] == 0x0D {
                result.append(Line(text: Array(bytes[start..<(end - 1)]), ending: [0x0D, 0x0A]))
            } else {
                result.append(Line(text: Array(bytes[start..<end]), ending: [0x0A]))
            }
            start = end + 1
        }
        return result
    }

    /// `user:hash[:extra]`, with the hash's format: its scheme and cost or rounds, or the whole hash when it
    /// has no salt (SHA-1 and anything unknown).
    struct Record {
        var raw: [UInt8]
        var user: [UInt8]
        var hash: [UInt8]
        var extra: [UInt8]
        var format: String

        init?(_ line: [UInt8]) {
            guard let first = line.first, first != UInt8(ascii: "#"),
                let colon = line.firstIndex(of: UInt8(ascii: ":"))
            else { return nil }
            raw = line
            user = Array(line[..<colon])
            let rest = line[(colon + 1)...]
            let end = rest.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex
            hash = Array(rest[..<end])
            extra = Array(rest[end...])
            format = Self.format(of: String(decoding: hash, as: UTF8.self))
        }

        static func format(of hash: String) -> String {
            let parts = hash.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
            if hash.hasPrefix("$apr1$") { return "apr1" }
            if hash.hasPrefix("$2y$"), parts.count > 2 { return "bcrypt cost \(parts[2])" }
            if hash.hasPrefix("$5$") || hash.hasPrefix("$6$") {
                let rounds = parts.count > 2 && parts[2].hasPrefix("rounds=") ? String(parts[2].dropFirst(7)) : "5000"
                return "sha-\(parts[1]) rounds \(rounds)"
            }
            let crypt = CharacterSet(charactersIn: "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
            if hash.count == 13, hash.unicodeScalars.allSatisfy(crypt.contains) { return "crypt" }
            return "exactly " + hash
        }
    }

    private func show(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).debugDescription
    }
}

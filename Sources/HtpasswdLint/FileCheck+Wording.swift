import HtpasswdCore
import SystemPackage

/// What the servers do, in words built from their profiles: the prose of the findings.
extension FileCheck {
    /// What servers do, in the singular and the plural: `uses its first line`, `use its first line`.
    struct Behaviour: Equatable {
        var singular: String
        var plural: String

        init(_ singular: String, _ plural: String) {
            self.singular = singular
            self.plural = plural
        }
    }

    /// What each server does with the later line of a user listed twice.
    static let duplicateFacts: String = phrase { target -> Behaviour in
        switch target.profile.reading.duplicates {
        case .firstWins: Behaviour("uses its first line", "use its first line")
        case .lastWins: Behaviour("uses its last", "use its last")
        case .refusesFile: Behaviour("refuses the whole file", "refuse the whole file")
        }
    }

    /// What the servers do with a carriage return before the newline.
    static let carriageReturnFacts: String = {
        let keeping = Target.allCases.filter { $0.profile.reading.keepsCarriageReturn }
        guard !keeping.isEmpty else { return "every server drops the CR" }
        let verb = keeping.count == 1 ? "keeps" : "keep"
        return "\(list(keeping)) \(verb) the CR as part of the line, the other servers drop it"
    }()

    /// Why a name written by another tool is fragile, as a fact (``UserName/Problem``'s own description
    /// says what to type instead, which is the command's to say).
    static func portability(_ problem: UserName.Problem) -> String {
        switch problem {
        case .empty: "it is empty"
        case .tooLong(let length):
            "it is \(length) bytes; htpass and Apache's htpasswd write at most \(UserName.maximumLength)"
        case .containsColon: "it contains ':', which ends a name for every server"
        case .containsControlCharacter(let byte):
            "it contains the control character 0x\(String(byte, radix: 16, uppercase: true))"
        case .startsWithHash: "it starts with '#', which makes the line a comment for some servers"
        case .leadingSpace:
            "it starts with a space: "
                + phrase {
                    $0.profile.reading.trimsLines ? Behaviour("trims it", "trim it") : Behaviour("keeps it", "keep it")
                }
        case .trailingSpace: "it ends with a space, which every server keeps, so a client must send it too"
        }
    }

    /// What each server makes of a line that is no entry for htpass.
    static func readings(of line: ScannedLine) -> String {
        phrase { target -> Behaviour in
            switch target.profile.reading.read(line.content, terminator: line.terminator) {
            case .ignored: Behaviour("skips it", "skip it")
            case .refusesFile: Behaviour("refuses the whole file", "refuse the whole file")
            case .stopsReading: Behaviour("stops reading there", "stop reading there")
            case .entry(let user, _):
                user.isEmpty
                    ? Behaviour("reads a user with an empty name", "read a user with an empty name")
                    : Behaviour("reads an entry", "read an entry")
            }
        }
    }

    /// `nginx and Apache httpd use its first line; Envoy refuses the whole file`: every target grouped by
    /// what it does, in the order each behaviour first appears.
    static func phrase(_ behaviour: (Target) -> Behaviour) -> String {
        var groups: [(behaviour: Behaviour, targets: [Target])] = []
        for target in Target.allCases {
            let what = behaviour(target)
            if let index = groups.firstIndex(where: { $0.behaviour == what }) {
                groups[index].targets.append(target)
            } else {
                groups.append((what, [target]))
            }
        }
        return groups.map { group in
            list(group.targets) + " " + (group.targets.count == 1 ? group.behaviour.singular : group.behaviour.plural)
        }.joined(separator: "; ")
    }

    /// `nginx, Apache httpd and lighttpd`.
    static func list(_ targets: [Target]) -> String {
        let names = targets.map(\.displayName)
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + names.last!
    }

    /// The entry a line's writer most likely meant: the line without white space around it (not a
    /// comment), the name before the first `:` and the hash up to the next, each without white space
    /// around it; nil for a line that is no entry.
    static func intendedEntry(_ content: UnsafeBufferPointer<UInt8>) -> (user: [UInt8], hash: [UInt8])? {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        func trim(_ bytes: some BidirectionalCollection<UInt8>) -> [UInt8] {
            Array(bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
        }
        guard let first = content.first, first != UInt8(ascii: "#") else { return nil }
        var line = trim(content)
        // A '#' after white space: a comment for Apache and the Go servers, an entry for nginx and
        // lighttpd, which keep the spaces: taken as they read it.
        if line.first == UInt8(ascii: "#") { line = Array(content) }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let rest = line[(colon + 1)...]
        let hashEnd = rest.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex
        let user =
            line.first(where: { !isSpace($0) }) == UInt8(ascii: "#") ? Array(line[..<colon]) : trim(line[..<colon])
        return (user, trim(rest[..<hashEnd]))
    }
}

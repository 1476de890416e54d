import ArgumentParser
import Glibc
import HtpasswdCore
import HtpasswdLint
import HtpasswdVerifier
import SystemPackage

extension Htpass {
    struct List: RequestCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the users of an htpasswd file, in file order.",
            discussion: """
                Without options: each user once, one per line: raw bytes into a pipe, control characters and \
                invalid UTF-8 escaped as \\xNN on a terminal. --long adds the line number, hash format, cost or \
                rounds and flags (weak, unverifiable, duplicate, long-record, and TARGET-cannot-verify for each \
                target of --target that cannot verify the hash; by default apache and nginx-alpine), and reports \
                malformed lines by number. --json prints the same as one JSON object; a name that is not valid \
                UTF-8 has U+FFFD in "user" and its exact bytes in "user_base64". Hashes are never printed. The \
                file is read twice, in constant memory; if an edit lands meanwhile, a warning says the list may \
                mix the old and new file.

                EXAMPLES:
                  htpass list /etc/nginx/htpasswd
                  htpass list --long htpasswd
                  htpass list --json htpasswd | jq -r '.entries[] | select(.flags | index("weak")) | .user'
                """)

        @Argument(help: "The htpasswd file.", completion: .file())
        var file: String

        @Flag(name: [.short, .long], help: "Show line, format, cost and flags; report malformed lines.")
        var long = false

        @Flag(help: "Print a JSON object with the entries and malformed lines.")
        var json = false

        @OptionGroup(title: "Targets")
        var target: TargetOptions

        func makeRequest() throws -> Request {
            .list(try ListRequest(file: file, long: long, json: json, targets: target.choice))
        }
    }
}

/// The three forms of `htpass list`, each in two passes over the file and in constant memory: the first
/// finds the users listed twice (and, for `--long`, the column widths), the second prints.
enum Listing {
    /// Each user once, in file order: raw bytes into a pipe; control characters and invalid UTF-8 escaped
    /// as `\xNN` on a terminal, so that a name written by another tool cannot move the cursor.
    static func users(_ store: HtpasswdStore, toTerminal: Bool) throws(HtpasswdError) -> (Int, [MalformedLine]) {
        var filter = try firstPass(store) { _ in }
        var malformed = (count: 0, sample: [MalformedLine]())
        let out = Output.writer
        try store.scan { line in
            switch line.kind {
            case .entry:
                let user = line.user
                guard !filter.isLaterLine(user) else { return }
                if toTerminal {
                    Output.line(ByteOrderMark.visible(String(displaying: user)))
                } else {
                    out.write(user)
                    out.write("\n" as StaticString)
                }
            case .malformed(let reason):
                malformed.count += 1
                if malformed.sample.count < EditOutcome.malformedSampleSize {
                    malformed.sample.append(MalformedLine(lineNumber: line.number, reason: reason))
                }
            default: break
            }
        }
        return malformed
    }

    /// Aligned columns: LINE USER FORMAT COST FLAGS; names are escaped for the terminal.
    static func long(_ store: HtpasswdStore, targets: [Target]) throws(HtpasswdError) {
        let header = ["LINE", "USER", "FORMAT", "COST", "FLAGS"]
        var widths = header.map(\.count)
        var filter = try firstPass(store) { line in
            widths[0] = max(widths[0], String(line.number).count)
            guard line.kind == .entry else {
                widths[2] = max(widths[2], "malformed".count)
                return
            }
            let format = HashFormat(buffer: line.hash)
            widths[1] = max(widths[1], ByteOrderMark.visible(String(displaying: line.user)).count)
            widths[2] = max(widths[2], format.name.count)
            widths[3] = max(widths[3], format.parameter?.count ?? 1)
        }
        func emit(_ cells: [String]) {
            var text = ""
            for (column, cell) in cells.enumerated() {
                text += cell
                if column < cells.count - 1 { text += String(repeating: " ", count: widths[column] - cell.count + 2) }
            }
            Output.line(text)
        }
        emit(header)
        var targetFlags = EntryReport.TargetFlags(targets: targets)
        try store.scan { line in
            switch line.kind {
            case .entry:
                let hash = line.hash
                let format = HashFormat(buffer: hash)
                var flags: [String] = []
                EntryReport.flags(
                    format: format, hash: hash, recordLength: line.content.count,
                    duplicate: filter.isLaterLine(line.user),
                    targets: &targetFlags
                ) { flags.append($0.name) }
                emit([
                    String(line.number), ByteOrderMark.visible(String(displaying: line.user)), format.name,
                    format.parameter ?? "-",
                    flags.isEmpty ? "-" : flags.joined(separator: ","),
                ])
            case .malformed(let reason):
                emit([String(line.number), "-", "malformed", "-", reason.explanation])
            default: break
            }
        }
    }

    /// One JSON object: `{"file": ..., "entries": [...], "malformed": [...]}`.
    static func json(_ store: HtpasswdStore, path: [UInt8], targets: [Target]) throws(HtpasswdError) {
        var filter = try firstPass(store) { _ in }
        var malformed: [MalformedLine] = []
        var targetFlags = EntryReport.TargetFlags(targets: targets)
        let out = Output.writer
        out.write("{\"file\":" as StaticString)
        JSON.write(path)
        out.write(",\"entries\":[" as StaticString)
        var first = true
        try store.scan { line in
            switch line.kind {
            case .entry:
                let user = line.user
                let format = HashFormat(buffer: line.hash)
                let duplicate = filter.isLaterLine(user)
                out.write(first ? "\n{\"line\":" as StaticString : ",\n{\"line\":")
                first = false
                out.writeDecimal(line.number)
                out.write(",\"user\":" as StaticString)
                if !JSON.write(user) {
                    out.write(",\"user_base64\":\"" as StaticString)
                    out.write(Base64.encode(user))
                    out.write("\"" as StaticString)
                }
                out.write(",\"format\":\"" as StaticString)
                out.write(format.name)
                out.write("\"" as StaticString)
                switch format {
                case .bcrypt(_, let cost):
                    out.write(",\"cost\":" as StaticString)
                    out.writeDecimal(cost)
                case .sha256(let rounds), .sha512(let rounds):
                    out.write(",\"rounds\":" as StaticString)
                    out.writeDecimal(rounds)
                default: break
                }
                out.write(",\"flags\":[" as StaticString)
                var firstFlag = true
                EntryReport.flags(
                    format: format, hash: line.hash, recordLength: line.content.count, duplicate: duplicate,
                    targets: &targetFlags
                ) { flag in
                    out.write(firstFlag ? "\"" as StaticString : ",\"")
                    out.write(flag.name)
                    out.write("\"" as StaticString)
                    firstFlag = false
                }
                out.write("]}" as StaticString)
            case .malformed(let reason):
                malformed.append(MalformedLine(lineNumber: line.number, reason: reason))
            default: break
            }
        }
        out.write("],\"malformed\":[" as StaticString)
        for (index, line) in malformed.enumerated() {
            if index > 0 { out.write("," as StaticString) }
            out.write("\n{\"line\":\(line.lineNumber),\"reason\":\"\(line.reason.identifier)\"}")
        }
        Output.line("]}")
    }

    /// The first pass: the users listed twice, and whatever else `body` wants of each entry and malformed line.
    private static func firstPass(
        _ store: HtpasswdStore, _ body: (ScannedLine) -> Void
    ) throws(HtpasswdError) -> DuplicateFilter {
        var filter = DuplicateFilter(fileSize: try store.contentSize())
        try store.scan { line in
            switch line.kind {
            case .entry:
                filter.noteInFirstPass(line.user)
                body(line)
            case .malformed:
                body(line)
            default: break
            }
        }
        return filter
    }
}

/// JSON text for strings of bytes.
enum JSON {
    /// Writes a JSON string literal for `bytes`: valid UTF-8 as is, quotes, backslashes and control
    /// characters escaped, and each invalid byte replaced by U+FFFD, so the output is always valid JSON.
    ///
    /// - Returns: Whether `bytes` were valid UTF-8 (so the literal holds them exactly).
    @discardableResult
    static func write(_ bytes: some Collection<UInt8>) -> Bool {
        let ascii = bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        if ascii {
            Output.write("\"" as StaticString)
            Output.write(bytes)
            Output.write("\"" as StaticString)
            return true
        }
        Output.write(string(bytes))
        return String(validating: bytes, as: UTF8.self) != nil
    }

    /// A JSON string literal for `bytes` (see ``write(_:)``).
    static func string(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(bytes.count + 2)
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0..<0x20, 0x7F:
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }
}

extension Htpass.List: FileCommand {
    static var fileUse: FileUse { .read }
}

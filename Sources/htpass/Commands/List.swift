import ArgumentParser
import HtpasswdCore
import HtpasswdVerifier

extension Htpass {
    struct List: RequestCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the users of an htpasswd file, in file order.",
            discussion: """
                Without options: each user once, one per line, as raw bytes. --long adds the line number, \
                hash format, cost or rounds and flags (weak, unverifiable, duplicate, long-record, \
                apache-cannot-verify, alpine-cannot-verify), and reports malformed lines by number. --json \
                prints the same as one JSON object; a name that is not valid UTF-8 has U+FFFD in "user" and \
                its exact bytes in "user_base64". Hashes are never printed.

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

        func makeRequest() throws -> Request {
            .list(try ListRequest(file: file, long: long, json: json))
        }
    }
}

/// The three forms of `htpass list`.
enum Listing {
    /// Each user once, in file order, as raw bytes.
    static func users(_ file: HtpasswdFile) {
        var seen = Set<ArraySlice<UInt8>>()
        for entry in file.lazyEntries where seen.insert(entry.user).inserted {
            Output.line(entry.user)
        }
    }

    /// Aligned columns: LINE USER FORMAT COST FLAGS; names are escaped for the terminal.
    static func long(_ file: HtpasswdFile) {
        var table: [(line: Int, cells: [String])] = EntryReport.reports(for: file).map { row in
            (
                row.entry.lineNumber,
                [
                    String(row.entry.lineNumber), displayText(row.entry.user), row.format.name,
                    row.format.parameter ?? "-", row.flags.isEmpty ? "-" : row.flags.names.joined(separator: ","),
                ]
            )
        }
        for line in file.malformedLines {
            table.append((line.lineNumber, [String(line.lineNumber), "-", "malformed", "-", line.reason.explanation]))
        }
        table.sort { $0.line < $1.line }
        let header = ["LINE", "USER", "FORMAT", "COST", "FLAGS"]
        var widths = header.map(\.count)
        for row in table {
            for (column, cell) in row.cells.enumerated() { widths[column] = max(widths[column], cell.count) }
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
        for row in table { emit(row.cells) }
    }

    /// One JSON object: `{"file": ..., "entries": [...], "malformed": [...]}`.
    static func json(_ file: HtpasswdFile, path: String) {
        Output.write("{\"file\":")
        Output.write(JSON.string(Array(path.utf8)))
        Output.write(",\"entries\":[")
        for (index, row) in EntryReport.reports(for: file).enumerated() {
            if index > 0 { Output.write(",") }
            Output.write("\n{\"line\":\(row.entry.lineNumber),\"user\":")
            Output.write(JSON.string(row.entry.user))
            if String(validating: row.entry.user, as: UTF8.self) == nil {
                Output.write(",\"user_base64\":\"" + Base64.encode(row.entry.user) + "\"")
            }
            Output.write(",\"format\":")
            Output.write(JSON.string(Array(row.format.name.utf8)))
            switch row.format {
            case .bcrypt(_, let cost): Output.write(",\"cost\":\(cost)")
            case .sha256(let rounds), .sha512(let rounds): Output.write(",\"rounds\":\(rounds)")
            default: break
            }
            Output.write(",\"flags\":[" + row.flags.names.map { "\"\($0)\"" }.joined(separator: ",") + "]}")
        }
        Output.write("],\"malformed\":[")
        for (index, line) in file.malformedLines.enumerated() {
            if index > 0 { Output.write(",") }
            Output.write("\n{\"line\":\(line.lineNumber),\"reason\":\"\(line.reason.identifier)\"}")
        }
        Output.line("]}")
    }
}

/// JSON text for strings of bytes.
enum JSON {
    /// A JSON string literal for `bytes`: valid UTF-8 as is, quotes, backslashes and control characters
    /// escaped, and each invalid byte replaced by U+FFFD, so the output is always valid JSON.
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

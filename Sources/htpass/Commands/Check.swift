import ArgumentParser
import HtpasswdCore
import HtpasswdVerifier

extension Htpass {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Lint a file and its path for the servers that read it.",
            discussion: """
                Reports everything the targets would trip on: entries they cannot verify (format, bcrypt cost \
                or prefix, rounds, failure tokens, hashes in no known format), users listed twice and the line \
                each server uses, names a server reads differently (trimmed, skipped), lines that make a server \
                refuse the whole file, a byte-order mark, CRLF, a missing final newline, weak formats; and the \
                path: missing, a directory, not readable by the server's workers through every parent directory, \
                world-writable, writable directories, a file bind-mounted alone, a container still reading a \
                replaced copy, hard links. Without --target: HTPASS_TARGET, else nginx.

                One finding a line: FILE:LINE: error|warning: message [id] (FILE: for the path and the file as \
                a whole); --json prints {"file": ..., "findings": [{"line", "user", "severity", "id", "target", \
                "message"}]}. Finding ids are stable (Docs/targets.md lists them).

                Status: 0 no error (warnings allowed), 1 an error was found (with --strict, also a warning), \
                4 the file could not be read.

                EXAMPLES:
                  htpass check /etc/nginx/htpasswd
                  htpass check --target nginx-alpine,traefik htpasswd
                  htpass check --json --strict htpasswd | jq '.findings[] | .id'
                """)

        @Argument(help: "The htpasswd file.", completion: .file())
        var file: String

        @OptionGroup(title: "Targets")
        var target: TargetOptions

        @Flag(help: "Print one JSON object.")
        var json = false

        @Flag(help: "Exit 1 on warnings too.")
        var strict = false

        func run() throws {
            let path = RawArguments.path(file)
            var targets = try target.choice.resolved()
            if targets.isEmpty { targets = [.nginx] }
            let check = FileCheck(store: HtpasswdStore(path: path), targets: targets)
            var errors = 0
            var warnings = 0
            let name = RawArguments.bytes(of: [file])[0]
            if json {
                Output.write("{\"file\":" as StaticString)
                JSON.write(name)
                Output.write(",\"findings\":[" as StaticString)
            }
            var first = true
            try check.run { finding in
                if finding.severity == .error { errors += 1 } else { warnings += 1 }
                if json {
                    Output.write(first ? "\n" as StaticString : ",\n")
                    first = false
                    Findings.json(finding)
                } else {
                    Output.line(Findings.text(finding, file: displayText(name)))
                }
            }
            if json { Output.line("]}") }
            if errors > 0 || (strict && warnings > 0) {
                throw CommandOutcome(status: .mismatch, message: nil)
            }
        }
    }
}

/// How findings are printed.
enum Findings {
    /// `FILE:LINE: error: message [id]`, or `FILE: ...` without a line.
    static func text(_ finding: FileCheck.Finding, file: String) -> String {
        let place = finding.line.map { "\(file):\($0)" } ?? file
        return "\(place): \(finding.severity.rawValue): \(Output.oneLine(message(finding))) [\(finding.id.rawValue)]"
    }

    /// The library's message (what is wrong), and what to do about it with htpass.
    static func message(_ finding: FileCheck.Finding) -> String {
        let target = finding.target.map { " --target \($0.rawValue)" } ?? ""
        let advice: String? =
            switch finding.id {
            case .formatNotVerified, .bcryptCostTooHigh, .bcryptPrefixNotVerified, .roundsTooHigh:
                "set the password again with 'htpass add\(target)'"
            case .failureToken, .unknownFormat: "set a password with 'htpass add'"
            case .weakFormat: "set a new password with 'htpass add' (bcrypt by default)"
            case .duplicateUser: "'htpass add' of that user keeps the first line and removes the others"
            case .notFound: "create it with 'htpass create'"
            case .notReadableByWorker:
                "give the file to their group (chgrp, or 'htpass create --group' for a new file) with mode 0640, and make every parent directory searchable"
            case .singleFileBindMount, .hardLinks:
                "htpass writes it in place; mounting the directory instead keeps edits atomic"
            case .missingFinalNewline: "any htpass edit adds it"
            default: nil
            }
        return finding.message + (advice.map { "; " + $0 } ?? "")
    }

    /// `{"line": N|null, "user": NAME|null, "severity": ..., "id": ..., "target": T|null, "message": ...}`.
    static func json(_ finding: FileCheck.Finding) {
        Output.write("{\"line\":" as StaticString)
        if let line = finding.line { Output.write(String(line)) } else { Output.write("null" as StaticString) }
        Output.write(",\"user\":" as StaticString)
        if let user = finding.user {
            if !JSON.write(user) {
                Output.write(",\"user_base64\":\"" + Base64.encode(user) + "\"")
            }
        } else {
            Output.write("null" as StaticString)
        }
        Output.write(
            ",\"severity\":\"" + finding.severity.rawValue + "\",\"id\":\"" + finding.id.rawValue + "\",\"target\":")
        if let target = finding.target {
            Output.write("\"" + target.rawValue + "\"")
        } else {
            Output.write("null" as StaticString)
        }
        Output.write(",\"message\":" as StaticString)
        JSON.write(Array(message(finding).utf8))
        Output.write("}" as StaticString)
    }
}

import ArgumentParser
import HtpasswdCore
import HtpasswdVerifier

extension Htpass {
    struct Check: RequestCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Lint a file and its path for the servers that read it.",
            discussion: """
                Reports everything the targets would trip on: entries they cannot verify (format, bcrypt cost \
                or prefix, rounds, failure tokens, hashes in no known format), users listed twice and the line \
                each server uses, names a server reads differently (trimmed, skipped), lines that make a server \
                refuse the whole file, a byte-order mark, CRLF, a missing final newline, weak formats; and the \
                path: missing, a directory, not readable by any of the server's usual worker accounts through \
                every parent directory, world-writable, writable directories, a file bind-mounted alone, a \
                container still reading a replaced copy, hard links. Without --target: HTPASS_TARGET, else nginx.

                One finding a line: FILE:LINE: error|warning: message [id] (FILE: for the path and the file as \
                a whole); --json prints {"file": ..., "findings": [{"line", "user", "severity", "id", "target", \
                "message"}]}. Finding ids are stable (Docs/targets.md lists them).

                Status: 0 no error (warnings allowed); 1 an error was found (with --strict, also a warning), \
                including a missing file, a directory or another non-regular file in its place (findings \
                not-found, is-directory, not-regular-file); 4 the file exists but could not be read \
                (permissions, an I/O error).

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

        func makeRequest() throws -> Request {
            .check(CheckRequest(file: file, targets: target.choice, json: json, strict: strict))
        }
    }
}

extension Htpass.Check: FileCommand {
    static var fileUse: FileUse { .read }
}

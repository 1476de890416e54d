import ArgumentParser
import Glibc
import HtpasswdCore
import HtpasswdVerifier

extension Htpass {
    struct Apply: RequestCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Bring a file to the users of a SPEC, in one locked write and without churn.",
            discussion: """
                SPEC (a file, or standard input for '-' or none) has one 'user:password' line per user, as \
                chpasswd(8) reads them (the password is the rest of the line); with --hashed, 'user:hash' lines. \
                Blank lines and lines starting with '#' are skipped; a line ending is LF or CRLF.

                A user whose line already verifies with the given password, in the wanted format and cost \
                (-a, --cost, --rounds; by default bcrypt, or the strongest every --target verifies), keeps its \
                line as it is: a second run with the same SPEC writes nothing, and the file keeps its inode and \
                modification time. Checking existing lines and hashing new passwords use every processor \
                (--jobs). --exclusive removes the users SPEC does not name; a SPEC that names no user (an unset \
                variable, an empty file) is then refused with status 5, unless --allow-no-users.

                Nothing is written if any SPEC line is refused (status 5, naming the line): a bad name, an empty \
                password without --allow-empty, a password the format would truncate or a --target cannot take, a \
                user named twice; with --hashed, a hash no password can match (a crypt failure token such as '*0', \
                a password in clear, a malformed bcrypt hash) or one a --target cannot verify (without --target: \
                nginx).

                Standard error ends with 'added A, changed C, removed R, unchanged U'. --diff prints '+ user', \
                '- user' and '~ user (password|algorithm|cost|hash|duplicates)' on standard output (never a hash \
                or a password); --json prints {"file", "changed", "dry_run", "added", "updated", "removed", \
                "unchanged"} instead ("changed" is true when the file was, or with --dry-run would be, written).

                EXAMPLES:
                  printf 'alice:%s\\nbob:%s\\n' "$ALICE_PW" "$BOB_PW" | htpass apply --create /etc/nginx/htpasswd
                  htpass apply --exclusive --diff htpasswd users.spec
                  htpass apply --dry-run --json --target nginx-alpine htpasswd users.spec
                  htpass apply --hashed htpasswd hashes.spec          # user:hash lines, e.g. from 'htpass hash'
                """)

        @Argument(help: "The htpasswd file.", completion: .file())
        var file: String

        @Argument(
            help: ArgumentHelp(
                "The desired users: a file, or '-' (the default) for standard input.", valueName: "spec"),
            completion: .file())
        var specArgument: String?

        /// SPEC, `-` when not given (stated once, in the help above).
        var spec: String { specArgument ?? "-" }

        @Flag(help: "Remove users that SPEC does not name.")
        var exclusive = false

        @Flag(
            name: .customLong("dry-run"),
            help: "Say what would change; write nothing of its own (an interrupted edit is finished first).")
        var dryRun = false

        @Flag(help: "Print the changes, a user per line.")
        var diff = false

        @Flag(help: "SPEC has user:hash lines, written as they are.")
        var hashed = false

        @Flag(help: "Print a JSON summary on standard output.")
        var json = false

        @Flag(help: "Create the file if it does not exist.")
        var create = false

        @Flag(help: "Accept empty passwords in SPEC.")
        var allowEmpty = false

        @Flag(help: "With --exclusive, accept a SPEC that names no user: remove every user.")
        var allowNoUsers = false

        @Option(help: ArgumentHelp("Hashes computed at once (by default one per processor).", valueName: "n"))
        var jobs: Int?

        @OptionGroup(title: "Hashing")
        var hashing: HashingOptions

        @OptionGroup(title: "Files")
        var newFile: NewFileOptions

        @OptionGroup(title: "Files")
        var edit: EditOptions

        @OptionGroup(title: "Messages")
        var messages: QuietOption

        func makeRequest() throws -> Request {
            .apply(
                try ApplyRequest(
                    file: file, spec: spec, exclusive: exclusive, dryRun: dryRun, diff: diff, hashed: hashed,
                    json: json,
                    create: create, allowEmpty: allowEmpty, allowNoUsers: allowNoUsers, jobs: jobs,
                    hashing: hashing.choice, newFile: newFile.choice, edit: try edit.choice(), quiet: messages.quiet))
        }
    }
}

extension Htpass.Apply: FileCommand {
    static var fileUse: FileUse { .editOrCreate }
}

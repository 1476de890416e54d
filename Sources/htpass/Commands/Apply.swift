import ArgumentParser
import Glibc
import HtpasswdCore
import HtpasswdVerifier

extension Htpass {
    struct Apply: ParsableCommand {
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

        @Argument(help: "The desired users: a file, or '-' (the default) for standard input.", completion: .file())
        var spec: String = "-"

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

        @Option(help: ArgumentHelp("Hashes computed at once (default: the number of processors).", valueName: "n"))
        var jobs: Int?

        @OptionGroup(title: "Hashing")
        var hashing: HashingOptions

        @OptionGroup(title: "Files")
        var newFile: NewFileOptions

        @OptionGroup(title: "Files")
        var edit: EditOptions

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be 1 or more") }
            if diff && json { throw ValidationError("Give --diff or --json, not both") }
        }

        func run() throws {
            let path = RawArguments.path(file)
            // Warnings about the format only when something is hashed with it (a re-run that changes
            // nothing stays quiet).
            let (hasher, targets) = try hashing.choice.hasher(warn: false)
            var bytes = try Self.readSpec(spec)
            defer { wipe(&bytes) }
            var desired: [DesiredUser] = []
            defer { Self.wipePasswords(&desired) }
            do throws(DesiredUser.SpecError) {
                desired = try DesiredUser.parseSpec(bytes, hashed: hashed, allowEmpty: allowEmpty)
                try DesiredUser.validate(desired, hasher: hasher, targets: targets)
            } catch {
                throw CommandError(.rejectedInput, Self.message(for: error, hashed: hashed))
            }
            if exclusive && desired.isEmpty && !allowNoUsers {
                throw CommandError(
                    .rejectedInput,
                    "SPEC names no user, and --exclusive would remove every user; nothing was written; check where SPEC comes from (an unset variable?), or pass --allow-no-users if that is meant"
                )
            }
            let attributes = try newFile.choice.attributes()
            let reconciler = Reconciler(
                store: try edit.choice().store(path), hasher: hasher, removesOthers: exclusive, jobs: jobs)
            let result = try reconciler.apply(
                desired, creation: create ? .createIfMissing : .mustExist, attributes: attributes, dryRun: dryRun)
            if result.finishedInterruptedEdit {
                Output.note("Finished an interrupted edit of '\(path.display)' before this one")
            }
            if !result.added.isEmpty || result.changed.contains(where: { $0.reason != .duplicates }) {
                HashChoice.warn(hasher, targets: targets)
            }
            if let write = result.write { Warnings.write(write, path: path) }
            if let write = result.write, result.written {
                Warnings.fileAttributes(path, existed: !write.created, newFile.choice, attributes, targets: targets)
            }
            if json {
                Self.printJSON(result, file: RawArguments.bytes(of: [file])[0], dryRun: dryRun)
            } else if diff {
                for user in result.added { Output.line("+ " + user.description) }
                for (user, reason) in result.changed { Output.line("~ \(user) (\(reason.rawValue))") }
                for user in result.removed { Output.line("- " + displayText(user)) }
            }
            Output.note(
                "added \(result.added.count), changed \(result.changed.count), removed \(result.removed.count), unchanged \(result.unchanged.count)"
                    + (dryRun ? " (dry run: nothing written)" : result.written ? "" : " (nothing to write)"))
        }

        /// Wipes the passwords of `desired` (``wipe(_:)``): each is taken out of its user first, so that the
        /// array wiped is the only copy.
        static func wipePasswords(_ desired: inout [DesiredUser]) {
            for index in desired.indices {
                guard case .password(var password) = desired[index].credential else { continue }
                desired[index].credential = .password([])
                wipe(&password)
            }
        }

        /// The SPEC's bytes: from the file, or from standard input for '-'. The caller wipes them.
        ///
        /// The chunk read into is wiped; the result starts with room for a SPEC file's size (or 64 KiB from
        /// standard input), since growing it would leave its smaller storage behind in freed memory, unwiped.
        static func readSpec(_ spec: String) throws -> [UInt8] {
            let fd = spec == "-" ? STDIN_FILENO : open(spec, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw CommandError(.fileProblem, "Cannot open the SPEC '\(spec)': \(String(cString: strerror(errno)))")
            }
            defer { if fd != STDIN_FILENO { close(fd) } }
            var chunk = [UInt8](repeating: 0, count: 65536)
            defer { wipe(&chunk) }
            var info = stat()
            let size = fstat(fd, &info) == 0 && info.st_mode & S_IFMT == S_IFREG ? Int(info.st_size) : 0
            var bytes: [UInt8] = []
            bytes.reserveCapacity(max(size + 1, chunk.count))
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else {
                    let code = errno
                    wipe(&bytes)
                    throw CommandError(
                        .fileProblem, "Cannot read the SPEC '\(spec)': \(String(cString: strerror(code)))")
                }
                if n == 0 { return bytes }
                bytes += chunk[..<n]
            }
        }

        /// The message for a refused SPEC line: what is wrong (the library's words), what to do, and that
        /// nothing was written.
        static func message(for error: DesiredUser.SpecError, hashed: Bool) -> String {
            let advice: String? =
                switch error.problem {
                case .noColon: hashed ? "write it as 'user:hash'" : "write it as 'user:password'"
                case .invalidUserName: nil  // The problem's own words say what to do.
                case .duplicateUser: "keep one line per user"
                case .invalidHash: "give the hash as 'htpass hash' prints it"
                case .invalidPassword(.empty): "pass --allow-empty if that is really wanted"
                case .invalidPassword(.tooLong): "use a shorter password or another algorithm (-a sha512)"
                case .invalidPassword(.containsNUL): "remove it"
                case .unverifiableHash(.unknownFormat):
                    "give a hash there (from 'htpass hash'), or leave out --hashed for 'user:password' lines"
                case .unverifiableHash: "give a hash made by 'htpass hash'"
                case .notVerifiable(let target, .passwordLength):
                    "use a shorter password, or another algorithm \(target.displayName) verifies"
                case .notVerifiable(let target, _) where hashed:
                    "give a hash \(target.displayName) verifies, made by 'htpass hash --target \(target.rawValue)'"
                case .refusesFile(let target, _):
                    "give a hash \(target.displayName) loads, made by 'htpass hash --target \(target.rawValue)'"
                case .notVerifiable(let target, _):
                    "leave out -a, --cost and --rounds to get the strongest format \(target.displayName) verifies"
                }
            return error.description + (advice.map { "; " + $0 } ?? "") + "; nothing was written"
        }

        static func printJSON(_ result: Reconciler.Result, file: [UInt8], dryRun: Bool) {
            Output.write("{\"file\":" as StaticString)
            JSON.write(file)
            Output.write(",\"changed\":" + (result.hasChanges ? "true" : "false"))
            Output.write(",\"dry_run\":" + (dryRun ? "true" : "false"))
            Output.write(",\"added\":[" as StaticString)
            for (index, user) in result.added.enumerated() {
                if index > 0 { Output.write("," as StaticString) }
                JSON.write(user.bytes)
            }
            Output.write("],\"updated\":[" as StaticString)
            for (index, change) in result.changed.enumerated() {
                if index > 0 { Output.write("," as StaticString) }
                Output.write("{\"user\":" as StaticString)
                JSON.write(change.user.bytes)
                Output.write(",\"reason\":\"" + change.reason.rawValue + "\"}")
            }
            Output.write("],\"removed\":[" as StaticString)
            for (index, user) in result.removed.enumerated() {
                if index > 0 { Output.write("," as StaticString) }
                JSON.write(user)
            }
            Output.line("],\"unchanged\":\(result.unchanged.count)}")
        }
    }
}

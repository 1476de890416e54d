import Glibc
import HtpasswdCore
import HtpasswdVerifier

/// `htpass htpasswd ARGS...`, and htpass run under the name `htpasswd`: Apache htpasswd's command lines, messages
/// and exit statuses, with its traps fixed (Docs/apache-compat.md lists each difference and its status).
///
/// This path never touches argument-parser: ``Htpass/runAndExit(_:)`` hands over before parsing anything, so
/// that a script calling `htpasswd -nbm user pw` starts as fast as Apache's.
enum ApacheCompat {
    /// The arguments and the name to print in messages, if this run is the Apache interface; nil otherwise.
    ///
    /// - Parameter arguments: The arguments given to `Htpass.main(_:)`, or nil for this process's own.
    static func invocation(_ arguments: [String]?) -> (arguments: [[UInt8]], program: [UInt8])? {
        if let arguments {
            guard arguments.first == "htpasswd" else { return nil }
            return (arguments.dropFirst().map { Array($0.utf8) }, Array("htpass htpasswd".utf8))
        }
        let count = Int(CommandLine.argc)
        guard count > 0 else { return nil }
        // Compared in C: this runs first in every process, and generic collection code would cost a noticeable
        // part of a short run's start-up.
        if let program = CommandLine.unsafeArgv[0] {
            let slash = strrchr(program, Int32(UInt8(ascii: "/")))
            if strcmp(slash.map { $0 + 1 } ?? program, "htpasswd") == 0 {
                return ((1..<count).map(rawArgument), rawArgument(0))
            }
        }
        if count > 1, let first = CommandLine.unsafeArgv[1], strcmp(first, "htpasswd") == 0 {
            return ((2..<count).map(rawArgument), Array("htpass htpasswd".utf8))
        }
        return nil
    }

    /// Runs the Apache interface and exits with its status; never returns.
    static func runAndExit(arguments: [[UInt8]], program: [UInt8]) -> Never {
        let messages = ApacheMessages(program: program)
        var status = ApacheStatus.success
        do {
            try run(arguments, messages)
        } catch {
            Output.standardError(error.message)
            status = error.status
        }
        Output.flush()
        // -n's record must reach standard output: a full disk or a closed pipe is a failure (Apache ignores it).
        if status == .success, let failure = Output.failure {
            Output.standardError(Array((Output.failureMessage("the record", failure) + "\n").utf8))
            status = .fileProblem
        }
        exit(status.rawValue)
    }

    private static func run(_ arguments: [[UInt8]], _ messages: ApacheMessages) throws(ApacheFailure) {
        let commandLine: ApacheCommandLine
        do {
            commandLine = try ApacheCommandLine.parse(arguments) { Output.standardError(messages.plainWarning) }
        } catch {
            throw failure(for: error, messages)
        }
        if commandLine.passwordSource == .argument && !quietArgumentWarning {
            Output.standardError(messages.argumentWarning)
        }
        let user = commandLine.user
        let writes = commandLine.mode != .delete && commandLine.mode != .verify
        var name: UserName?
        if writes {
            do throws(UserName.Problem) { name = try UserName(user) } catch {
                throw ApacheFailure(.badUser, messages.userRefused(error))
            }
            if commandLine.algorithm == .plain { throw ApacheFailure(.algorithmRefused, messages.plainRefused) }
        }

        var path = ""
        if let file = commandLine.file {
            guard let decoded = String(validating: file, as: UTF8.self) else {
                throw ApacheFailure(.fileProblem, messages.notUTF8(file))
            }
            path = decoded
            try ApacheEdit.checkAccess(path, file, mode: commandLine.mode, messages)
        }

        switch commandLine.mode {
        case .verify:
            try verify(user, in: path, file: commandLine.file ?? [], commandLine, messages)
        case .delete:
            let result: ApacheEdit.DeleteResult
            do throws(HtpasswdError) {
                result = try ApacheEdit.delete(user, from: path)
            } catch {
                throw storeFailure(error, file: commandLine.file ?? [], messages)
            }
            switch result {
            case .deleted: Output.standardError(messages.deleted(user))
            case .notFound: Output.standardError(messages.notFound(user))
            case .invalidFile: throw ApacheFailure(.invalidFile, messages.invalidFile(commandLine.file ?? []))
            }
        case .update, .create, .display:
            guard let name else { return }
            let hash = try makeHash(commandLine, messages)
            // Apache's records, with their newline, fit in 255 bytes; a longer one it could not read back.
            let record = user + [UInt8(ascii: ":")] + hash.bytes
            guard record.count + 1 <= HtpasswdFile.apacheRecordLimit else {
                throw ApacheFailure(.tooLong, messages.recordTooLong)
            }
            if commandLine.mode == .display {
                Output.write(record + [0x0A, 0x0A])
                return
            }
            let result: ApacheEdit.SetResult
            do throws(HtpasswdError) {
                result = try ApacheEdit.set(
                    hash, for: name, in: path, fresh: commandLine.mode == .create, mode: ApacheEdit.newFileMode)
            } catch {
                throw storeFailure(error, file: commandLine.file ?? [], messages)
            }
            switch result {
            case .added: Output.standardError(messages.added(user))
            case .updated: Output.standardError(messages.updated(user))
            case .invalidFile: throw ApacheFailure(.invalidFile, messages.invalidFile(commandLine.file ?? []))
            }
        }
    }

    /// `-v`: Apache reads the file up to the user's line (refusing a bad line before it), asks for the password
    /// only then, and after a match reads on, so that a bad line after it still fails the run.
    private static func verify(
        _ user: [UInt8], in path: String, file: [UInt8], _ commandLine: ApacheCommandLine,
        _ messages: ApacheMessages
    ) throws(ApacheFailure) {
        let lookup: ApacheEdit.Lookup
        do throws(HtpasswdError) {
            lookup = try ApacheEdit.lookup(user, in: path)
        } catch {
            throw storeFailure(error, file: file, messages)
        }
        if let invalid = lookup.firstInvalidLine, invalid < lookup.entry?.lineNumber ?? Int.max {
            throw ApacheFailure(.invalidFile, messages.invalidFile(file))
        }
        // Apache's status for a user not in the file: 6, as for a bad user name (ERR_BADUSER).
        guard let entry = lookup.entry else { throw ApacheFailure(.badUser, messages.notFound(user)) }
        if entry.hash.isEmpty && entry.extra.isEmpty { throw ApacheFailure(.invalidFile, messages.emptyHash(user)) }
        var password = try ApachePassword.toVerify(commandLine, messages)
        defer { wipePassword(&password, commandLine) }
        guard Verifier().verify(password, against: entry.hash) == .match else {
            throw ApacheFailure(.verificationFailed, messages.verificationFailed)
        }
        if lookup.firstInvalidLine != nil { throw ApacheFailure(.invalidFile, messages.invalidFile(file)) }
        Output.standardError(messages.correct(user))
    }

    /// Reads the password and hashes it as Apache's `mkhash` does, refusing what Apache would store wrongly.
    private static func makeHash(_ commandLine: ApacheCommandLine, _ messages: ApacheMessages) throws(ApacheFailure)
        -> PasswordHash
    {
        let algorithm: Algorithm
        var cost: Int?
        var rounds: Int?
        switch commandLine.algorithm {
        case .md5: algorithm = .apr1
        case .sha1: algorithm = .sha1
        case .crypt: algorithm = .des
        case .bcrypt:
            algorithm = .bcrypt
            cost = commandLine.cost ?? 5  // Apache's default, kept so that servers verify as fast as before
        case .sha256, .sha512:
            algorithm = commandLine.algorithm == .sha256 ? .sha256 : .sha512
            rounds = commandLine.cost
        case .plain:
            throw ApacheFailure(.algorithmRefused, messages.plainRefused)
        }
        if commandLine.cost != nil && cost == nil && rounds == nil { Output.standardError(messages.costIgnored) }
        var password = try ApachePassword.new(commandLine, messages)
        defer { wipePassword(&password, commandLine) }
        if let cost, !(4...(Target.apache.profile.bcryptCostLimit(for: "y") ?? 31)).contains(cost) {
            throw ApacheFailure(.verificationFailed, messages.cost(cost))
        }
        if let rounds, !PasswordHasher.roundsRange.contains(rounds) {
            throw ApacheFailure(.syntax, messages.rounds(rounds))
        }
        do throws(HtpasswdError) {
            var hasher: PasswordHasher
            do throws(PasswordHasher.ParameterProblem) {
                hasher = try PasswordHasher(algorithm: algorithm, cost: cost, rounds: rounds)
            } catch {
                throw .invalidHashParameter(error)
            }
            // Apache's command lines decide about an empty password themselves (ApachePassword).
            hasher.allowsEmptyPassword = true
            return try hasher.hash(password)
        } catch {
            if case .invalidPassword(let problem) = error {
                throw ApacheFailure(.tooLong, messages.passwordRefused(problem))
            }
            throw ApacheFailure(.verificationFailed, messages.hashingFailed(error))
        }
    }

    /// Wipes a password read from standard input or the terminal. A `-b` password is left alone: it is in the
    /// arguments, and `password` shares its storage with `commandLine`'s copy, so a wipe would only copy it.
    private static func wipePassword(_ password: inout [UInt8], _ commandLine: ApacheCommandLine) {
        if commandLine.passwordSource != .argument { wipe(&password) }
    }

    // MARK: Errors

    private static func failure(for problem: ApacheCommandLine.Problem, _ messages: ApacheMessages)
        -> ApacheFailure
    {
        switch problem {
        case .illegalOption(let letter): ApacheFailure(.syntax, messages.illegalOption(letter))
        case .missingArgument(let letter): ApacheFailure(.syntax, messages.missingArgument(letter))
        case .badCost: ApacheFailure(.syntax, messages.badCost)
        case .usage, .repeatedDisplayFlag: ApacheFailure(.syntax, messages.usage)
        case .modeConflict: ApacheFailure(.syntax, messages.modeConflict)
        case .fileNameTooLong: ApacheFailure(.tooLong, messages.fileNameTooLong)
        case .userTooLong: ApacheFailure(.tooLong, messages.userTooLong)
        case .userContainsColon: ApacheFailure(.badUser, messages.userColon)
        case .passwordTooLong: ApacheFailure(.tooLong, messages.passwordTooLong)
        }
    }

    /// A store error: the file vanished since the checks, or the edit could not be made. Always status 1.
    private static func storeFailure(_ error: HtpasswdError, file: [UInt8], _ messages: ApacheMessages)
        -> ApacheFailure
    {
        if case .fileSystem(let failure) = error, failure.code == .notFound {
            return ApacheFailure(.fileProblem, messages.cannotModify(file))
        }
        return ApacheFailure(.fileProblem, messages.editFailed(file, error))
    }

    /// `HTPASS_QUIET_ARGV=1` hides the warning about `-b`.
    private static var quietArgumentWarning: Bool {
        guard let value = getenv("HTPASS_QUIET_ARGV") else { return false }
        return strcmp(value, "1") == 0
    }

    private static func rawArgument(_ index: Int) -> [UInt8] {
        guard let pointer = CommandLine.unsafeArgv[index] else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
    }
}

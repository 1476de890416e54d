import ArgumentParser
import Glibc
import HtpasswdCore
import HtpasswdReconciler
import HtpasswdVerifier
import SystemPackage

/// `htpass apply FILE [SPEC|-]`.
struct ApplyRequest: Equatable, Sendable {
    var file: String
    var spec: String
    var exclusive: Bool
    var dryRun: Bool
    var diff: Bool
    var hashed: Bool
    var json: Bool
    var create: Bool
    var allowEmpty: Bool
    var allowNoUsers: Bool
    var jobs: Int?
    var hashing: HashChoice
    var newFile: NewFileChoice
    var edit: EditChoice
    var quiet: Bool

    /// - Throws: `ValidationError` for `--jobs` under 1, or both `--diff` and `--json`.
    init(
        file: String, spec: String, exclusive: Bool, dryRun: Bool, diff: Bool, hashed: Bool, json: Bool, create: Bool,
        allowEmpty: Bool, allowNoUsers: Bool, jobs: Int?, hashing: HashChoice, newFile: NewFileChoice, edit: EditChoice,
        quiet: Bool
    ) throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be 1 or more") }
        if diff && json { throw ValidationError("Give --diff or --json, not both") }
        self.file = file
        self.spec = spec
        self.exclusive = exclusive
        self.dryRun = dryRun
        self.diff = diff
        self.hashed = hashed
        self.json = json
        self.create = create
        self.allowEmpty = allowEmpty
        self.allowNoUsers = allowNoUsers
        self.jobs = jobs
        self.hashing = hashing
        self.newFile = newFile
        self.edit = edit
        self.quiet = quiet
    }

    func run() throws {
        Output.quiet = quiet
        let path = RawArguments.path(file)
        // Warnings about the format only when something is hashed with it (a re-run that changes
        // nothing stays quiet).
        let (hasher, targets) = try hashing.hasher(warn: false)
        var bytes =
            try spec == "-" && Terminal.standardInputIsTerminal
            ? Terminal.readingStandardInput(
                prompt: "reading SPEC from standard input, one '\(hashed ? "user:hash" : "user:password")' line "
                    + "per user, not echoed; end it with Ctrl-D: "
            ) { try Self.readSpec(spec) } : Self.readSpec(spec)
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
        let attributes = try newFile.attributes()
        let reconciler = Reconciler(
            store: try edit.store(path), hasher: hasher, removesOthers: exclusive, jobs: jobs)
        // The report on standard output goes out before the write: a report nobody can receive (a full
        // disk, a closed pipe) stops the write.
        var reported = false
        let file = RawArguments.bytes(of: [file])[0]
        let result = try reconciler.apply(
            desired, creation: create ? .createIfMissing : .mustExist, attributes: attributes, dryRun: dryRun
        ) { planned in
            if !reported { printReport(planned, file: file) }
            reported = true
            Output.flush()
            return Output.failure == nil
        }
        if result.cancelled {
            throw CommandError(
                .fileProblem,
                Output.failureMessage("the report of the changes", Output.failure ?? .ioError)
                    + "; nothing was written")
        }
        if result.finishedInterruptedEdit {
            Output.note("Finished an interrupted edit of '\(path.display)' before this one")
        }
        if !result.added.isEmpty || result.changed.contains(where: { $0.reason != .duplicates }) {
            HashChoice.warn(hasher, targets: targets)
        }
        if let write = result.write { Warnings.write(write, path: path) }
        if let write = result.write, result.written {
            Warnings.fileAttributes(path, existed: !write.created, newFile, attributes, targets: targets)
        }
        if !reported { printReport(result, file: file) }
        Output.note(
            "added \(result.added.count), changed \(result.changed.count), removed \(result.removed.count), unchanged \(result.unchanged.count)"
                + (dryRun ? " (dry run: nothing written)" : result.written ? "" : " (nothing to write)"))
    }

    /// `--json` or `--diff`: what changed, or (before the write, or with `--dry-run`) what will.
    private func printReport(_ result: Reconciler.Result, file: [UInt8]) {
        if json {
            Self.printJSON(result, file: file, dryRun: dryRun)
        } else if diff {
            for user in result.added { Output.line("+ " + user.description) }
            for change in result.changed { Output.line("~ \(change.user) (\(change.reason.rawValue))") }
            for user in result.removed { Output.line("- " + String(displaying: user)) }
        }
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
        var info = stat()
        let size = fstat(fd, &info) == 0 && info.st_mode & S_IFMT == S_IFREG ? Int(info.st_size) : 0
        do throws(Errno) { return try readAllWiping(fd, expected: size, chunkSize: 65536) } catch {
            throw CommandError(
                .fileProblem, "Cannot read the SPEC '\(spec)': \(String(cString: strerror(error.rawValue)))")
        }
    }

    /// The message for a refused SPEC line: what is wrong (the library's words), what to do, and that
    /// nothing was written.
    static func message(for error: DesiredUser.SpecError, hashed: Bool) -> String {
        let advice: String? =
            switch error.problem {
            case .noColon: hashed ? "write it as 'user:hash'" : "write it as 'user:password'"
            case .invalidUserName(let problem): Advice.userName(problem)
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
        // The library says "line N"; here the lines are the SPEC's.
        return (error.line > 0 ? "SPEC " : "") + error.description + (advice.map { "; " + $0 } ?? "")
            + "; nothing was written"
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

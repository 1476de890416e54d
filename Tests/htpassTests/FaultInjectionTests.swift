import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Systematic fault injection (issue 8): `htpass add` and `htpass delete`, by rename and in place, run
/// under `strace -e inject=CALL:error=ERRNO:when=N` once for every occurrence N of every system call the
/// edit makes on the htpasswd file, its directory, its temporary file and its journal, with a few errnos
/// each, and once killed (SIGKILL) at that call. Whatever fails, the command exits 0 or 4 with one line
/// saying what failed, and after the next command (`htpass list`, which finishes an interrupted in-place
/// edit) the file is the old content or the new one, byte for byte, with its mode and owner, nothing
/// left next to it and no journal mark on it. The same faults then hit `htpass list` while it cleans up
/// after a killed edit: finishing an in-place edit killed after its journal was complete, removing the
/// temporary file of an edit by rename killed before its rename. Retried calls must survive EINTR, and
/// the tolerated errors (EINVAL from a directory's fsync, EXDEV/ENOSYS from copy_file_range, EOPNOTSUPP
/// from the extended attribute calls, anything from close, anything from the directory's fsync after
/// an edit's rename, which leaves the new file in place) must not fail the edit. An in-place edit that
/// fails after its commit point retries once, so a single fault there does not fail it either (the
/// summary lists any edit that exits 4 with the new content written: none should).
///
/// Which calls: a first run of each command is traced with `-P` for those four paths, which lists the
/// calls and counts their occurrences. strace's `-P` also matches calls on descriptors open on those
/// paths (`read(4)`, `fsync(6)`), and it filters before it counts for `when=N`: the N-th occurrence is
/// the N-th call *on these paths*, so the loader opening libraries or the C library reading /etc/group
/// is never hit. Calls made only on a fallback path (the `pread`/`write` copy when `copy_file_range` is
/// refused) are not in the first run's list; refusing `copy_file_range` with EXDEV walks that path.
@Suite("Fault injection into every file system call of an edit (strace)")
struct FaultInjectionTests {
    static let fileName = "users"
    static let oldContent = Array(
        """
        alice:{SHA}4vCGRwEY+OgIlyZo0bMv0IkxE1E=
        bob:{SHA}Zu+OQTq7q8D8kRt1CqqJaMTaTHQ=
        # the build robot
        carol:{SHA}sjZBDBORGt8y2e5bbwa3hqRY2Yo=

        """.utf8)
    static let passwordVariable = "HTPASS_FAULT_PASSWORD"
    /// As root, the file belongs to someone else, so that the rename path must give the new file its owner.
    static let owner: uid_t = geteuid() == 0 ? 65534 : geteuid()
    static let group: gid_t = geteuid() == 0 ? 65534 : getegid()

    /// The edits under test: a user appended, a user removed from the middle.
    enum Edit: String, CaseIterable, Sendable {
        case add, delete

        func arguments(_ file: String, mode: String) -> [String] {
            switch self {
            // sha1 has no salt, so the edit's result is the same in every run.
            case .add: ["add", file, "dave", "--password-env", passwordVariable, "-a", "sha1", "--write-mode", mode]
            case .delete: ["delete", file, "bob", "--write-mode", mode]
            }
        }
    }

    static let modes = ["rename", "in-place"]

    /// What runs under strace.
    enum Stage: String, Sendable {
        /// The edit itself, on the old file.
        case edit
        /// `htpass list` after the edit was killed: in place after its journal was complete (list finishes
        /// it), by rename before the rename (list removes the temporary file).
        case recovery
    }

    /// One injected fault.
    struct Fault: Sendable, CustomStringConvertible {
        var stage: Stage
        var edit: Edit
        var mode: String
        var call: String
        var occurrence: Int
        /// An errno name, or `SIGKILL`.
        var injection: String
        /// The call it hits, as strace showed it in the first run (with `-y`: descriptors' paths).
        var traced: String
        /// Whether that call was on the directory's descriptor.
        var onDirectory: Bool

        var kills: Bool { injection == "SIGKILL" }
        var straceInjection: String {
            "inject=\(call):\(kills ? "signal=KILL" : "error=\(injection)"):when=\(occurrence)"
        }

        var description: String {
            let what = stage == .edit ? "\(edit) --write-mode \(mode)" : "list after an interrupted \(edit) (\(mode))"
            return "\(what): \(call) #\(occurrence) \(injection) on \(traced)"
        }
    }

    /// What a faulty run and the next command left.
    struct Observation: Sendable {
        var fault: Fault
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
        var injected: Bool
        /// The file right after the faulty run, and after the next command: "old", "new" or "neither".
        var before: String
        var after: String
        var next: TestSupport.Output
        var leftovers: [String]
        var marked: Bool
        var info: stat
        var directory: String
    }

    /// The errnos injected into `call`: EIO and EINTR everywhere (the retried calls must succeed), ENOSPC
    /// where a call can run out of room, EACCES and EPERM where permissions bite, and the errors the write
    /// path tolerates.
    static func injections(for call: String) -> [String] {
        var list = ["EIO", "EINTR"]
        let writeSide: Set = [
            "openat", "write", "pwrite64", "copy_file_range", "fsync", "fdatasync", "ftruncate", "fsetxattr", "rename",
            "fallocate",
        ]
        if writeSide.contains(call) { list.append("ENOSPC") }
        let access: Set = [
            "openat", "rename", "unlink", "unlinkat", "access", "faccessat", "faccessat2", "newfstatat", "statx",
            "readlink", "fgetxattr", "fsetxattr", "fremovexattr",
        ]
        if access.contains(call) { list.append("EACCES") }
        let permission: Set = [
            "openat", "rename", "unlink", "unlinkat", "fchmod", "fchown", "fsetxattr", "fremovexattr",
        ]
        if permission.contains(call) { list.append("EPERM") }
        switch call {
        case "fsync": list.append("EINVAL")  // a directory on a file system that cannot sync one
        case "copy_file_range": list += ["EXDEV", "ENOSYS"]  // copied through user space instead
        case "fsetxattr", "fgetxattr": list.append("EOPNOTSUPP")  // no extended attributes there
        default: break
        }
        return list + ["SIGKILL"]
    }

    /// Calls that `Syscall` retries on EINTR: an EINTR there must not fail the command.
    static let retriedOnEINTR: Set = [
        "openat", "read", "write", "pwrite64", "copy_file_range", "fsync", "ftruncate", "fchmod", "fchown", "flock",
        "fallocate", "fremovexattr", "fsetxattr",
    ]

    /// Whether the command must succeed despite `fault`: a retried EINTR, or an error the design tolerates.
    static func mustSucceed(_ fault: Fault) -> Bool {
        switch (fault.call, fault.injection) {
        case (_, "SIGKILL"): false
        case ("close", _): true  // after fsync, a failed close loses nothing
        case (let call, "EINTR") where retriedOnEINTR.contains(call): true
        case ("copy_file_range", "EXDEV"), ("copy_file_range", "ENOSYS"): true
        case ("fsetxattr", "EOPNOTSUPP"), ("fgetxattr", "EOPNOTSUPP"): fault.stage == .edit
        case ("fsync", "EINVAL"): fault.onDirectory  // a file system that cannot sync a directory
        // By rename, the directory is synced after the rename: the new file is in place, which a failed
        // sync does not undo (the library reports it as a warning).
        case ("fsync", _) where fault.onDirectory && fault.mode == "rename" && fault.stage == .edit: true
        default: false
        }
    }

    static let errnoValues: [String: CInt] = [
        "EIO": EIO, "EINTR": EINTR, "ENOSPC": ENOSPC, "EACCES": EACCES, "EPERM": EPERM, "EINVAL": EINVAL,
        "EXDEV": EXDEV, "ENOSYS": ENOSYS, "EOPNOTSUPP": EOPNOTSUPP,
    ]

    @Test("add, delete, and list after a killed edit, by rename and in place: each file call fails in turn")
    func everyFileSystemCallFailsInTurn() throws {
        let strace = try TestSupport.locate("strace")
        let binary = TestSupport.htpassBinary
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw MissingBinary(path: binary) }
        let base = try Self.canonical(try TestSupport.temporaryDirectory("htpass-faults"))
        defer { try? FileManager.default.removeItem(atPath: base) }
        let started = Date()
        let tools = Tools(strace: strace, binary: binary, base: base)

        // 1. Each command once, traced without faults: the calls it makes, and what it leaves.
        var planned: [Fault] = []
        var newFiles: [Edit: [UInt8]] = [:]
        var newListings: [Edit: [UInt8]] = [:]
        let oldListing = try Self.listing(of: Self.oldContent, tools)
        for edit in Edit.allCases {
            for mode in Self.modes {
                let directory = try Self.prepare(base, "trace-\(edit)-\(mode)")
                let log = base + "/trace-\(edit)-\(mode).log"
                let output = try tools.strace(
                    ["-y", "-o", log], directory, edit.arguments(Self.file(directory), mode: mode))
                try #require(output.status == 0, "\(edit) \(mode) without faults: \(output.stderrText)")
                let result = try TestSupport.readBytes(Self.file(directory))
                #expect(result != Self.oldContent)
                if let earlier = newFiles[edit] {
                    #expect(result == earlier, "\(edit): rename and in place write the same bytes")
                }
                newFiles[edit] = result
                #expect(try Self.names(directory) == [Self.fileName])

                let calls = try Self.tracedCalls(log)
                let expected: Set =
                    mode == "rename"
                    ? ["openat", "flock", "read", "write", "fsync", "rename", "fchown", "fchmod"]
                    : [
                        "openat", "flock", "read", "write", "pwrite64", "fsync", "rename", "ftruncate", "fsetxattr",
                        "fremovexattr", "unlinkat",
                    ]
                #expect(expected.isSubset(of: Set(calls.map(\.name))), "\(edit) \(mode) calls \(calls.map(\.name))")
                planned += Self.faults(.edit, edit, mode, calls, directory: directory)
            }
            newListings[edit] = try Self.listing(of: newFiles[edit]!, tools)

            // The edit killed: in place, after its journal was complete (`list` finishes it); by rename,
            // before the rename (`list` removes the temporary file).
            for mode in Self.modes {
                let directory = try Self.prepare(base, "trace-recovery-\(edit)-\(mode)")
                try Self.interrupt(edit, mode, directory, tools)
                let log = base + "/trace-recovery-\(edit)-\(mode).log"
                let output = try tools.strace(["-y", "-o", log], directory, ["list", Self.file(directory)])
                try #require(output.status == 0, "list after an interrupted \(edit): \(output.stderrText)")
                let finished = mode == "in-place"
                #expect(output.stdout == (finished ? newListings[edit] : oldListing), "list after \(edit) \(mode)")
                #expect(
                    try TestSupport.readBytes(Self.file(directory)) == (finished ? newFiles[edit] : Self.oldContent))
                #expect(try Self.names(directory) == [Self.fileName])
                let calls = try Self.tracedCalls(log).map(\.name)
                let expected =
                    finished
                    ? ["fgetxattr", "copy_file_range", "ftruncate", "fsync", "unlinkat", "fremovexattr"] : ["unlink"]
                #expect(expected.allSatisfy(calls.contains), "recovery calls \(calls)")
                planned += Self.faults(.recovery, edit, mode, try Self.tracedCalls(log), directory: directory)
            }
        }

        // 2. Each fault in a fresh directory, then the next command; a small pool of threads.
        let workers = 4
        let faults = planned
        let newContent = newFiles
        let results = ResultBox(count: faults.count)
        let group = DispatchGroup()
        for worker in 0..<workers {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                for index in stride(from: worker, to: faults.count, by: workers) {
                    results.store(
                        index,
                        Result {
                            try Self.inject(faults[index], index: index, tools, new: newContent[faults[index].edit]!)
                        })
                }
            }
            thread.start()
        }
        group.wait()

        // 3. The rules, for every fault.
        var perCall: [String: [String: Int]] = [:]
        var outcomes: [String: Int] = [:]
        var interruptedCalls: Set<String> = []
        var failedButWritten: [String] = []
        for (index, fault) in faults.enumerated() {
            let observation = try results.value(index).get()
            if fault.injection == "EINTR" && observation.status == 4 { interruptedCalls.insert(fault.call) }
            if fault.stage == .edit && observation.status == 4 && observation.before == "new" {
                failedButWritten.append("\(fault.call) #\(fault.occurrence) \(fault.injection) (\(fault.mode))")
            }
            let finished = fault.stage == .edit || fault.mode == "in-place"
            Self.check(
                observation, oldListing: oldListing, newListing: finished ? newListings[fault.edit]! : oldListing,
                expected: fault.stage == .recovery ? (finished ? "new" : "old") : nil)
            let key = "\(fault.stage == .edit ? "edit" : "recovery by list"), --write-mode \(fault.mode)"
            perCall[key, default: [:]][fault.call, default: 0] += 1
            let repaired = observation.before == "neither" ? ", finished by the next command" : ""
            let status = fault.kills ? "killed" : "status \(observation.status)"
            outcomes["\(fault.stage): \(status), \(observation.after) content\(repaired)", default: 0] += 1
        }

        let seconds = Date().timeIntervalSince(started)
        let kills = faults.filter(\.kills).count
        print(
            "fault injection: \(faults.count) runs (\(faults.count - kills) errors, \(kills) SIGKILLs) in "
                + "\(String(format: "%.1f", seconds)) s, \(workers) at a time")
        for (key, calls) in perCall.sorted(by: { $0.key > $1.key }) {
            let list = calls.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("  \(key): \(calls.values.reduce(0, +)) (\(list))")
        }
        for stage in [Stage.edit, .recovery] {
            for edit in Edit.allCases {
                print("  \(stage) \(edit): \(faults.filter { $0.stage == stage && $0.edit == edit }.count)")
            }
        }
        let byInjection = Dictionary(grouping: faults, by: \.injection).mapValues(\.count)
        print("  " + byInjection.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        for (outcome, count) in outcomes.sorted(by: { $0.key < $1.key }) { print("  \(outcome): \(count)") }
        print("  EINTR exits 4 at: \(interruptedCalls.sorted().joined(separator: ", "))")
        print("  edits that exit 4 with the new content written: \(failedButWritten.sorted().joined(separator: ", "))")
    }

    // MARK: One fault

    static func faults(_ stage: Stage, _ edit: Edit, _ mode: String, _ calls: [TracedCall], directory: String)
        -> [Fault]
    {
        var faults: [Fault] = []
        var seen: [String: Int] = [:]
        for call in calls {
            seen[call.name, default: 0] += 1
            for injection in injections(for: call.name) {
                faults.append(
                    Fault(
                        stage: stage, edit: edit, mode: mode, call: call.name, occurrence: seen[call.name]!,
                        injection: injection, traced: call.line, onDirectory: call.line.contains("<\(directory)>")))
            }
        }
        return faults
    }

    static func inject(_ fault: Fault, index: Int, _ tools: Tools, new: [UInt8]) throws -> Observation {
        let directory = try prepare(tools.base, "fault-\(index)")
        let file = file(directory)
        if fault.stage == .recovery { try interrupt(fault.edit, fault.mode, directory, tools) }
        let log = tools.base + "/fault-\(index).log"
        let output = try tools.strace(
            ["-o", log, "-e", "trace=\(fault.call)", "-e", fault.straceInjection], directory,
            fault.stage == .edit ? fault.edit.arguments(file, mode: fault.mode) : ["list", file])
        let trace = String(decoding: try TestSupport.readBytes(log), as: UTF8.self)
        let injected =
            fault.kills
            ? trace.contains("+++ killed by SIGKILL +++")
            : trace.components(separatedBy: "(INJECTED)").count == 2
        let before = try TestSupport.readBytes(file)
        let next = try tools.run(tools.binary, ["list", file])
        let after = try TestSupport.readBytes(file)
        func name(_ bytes: [UInt8]) -> String { bytes == oldContent ? "old" : bytes == new ? "new" : "neither" }
        var info = stat()
        stat(file, &info)
        return Observation(
            fault: fault, status: output.status, stdout: output.stdout, stderr: output.stderrText, injected: injected,
            before: name(before), after: name(after), next: next,
            leftovers: try names(directory).filter { $0 != fileName }, marked: hasJournalMark(file), info: info,
            directory: directory)
    }

    /// - Parameters:
    ///   - newListing: What `list` prints once the command is done.
    ///   - expected: The content the file must have after the next command, if only one will do.
    static func check(_ observation: Observation, oldListing: [UInt8], newListing: [UInt8], expected: String?) {
        let fault = observation.fault
        #expect(observation.injected, "\(fault): the fault was not injected once")
        // Warnings (sha1 is weak; a directory that could not be synced) are not errors; anything else is.
        let errorLines = lines(observation.stderr).filter { !$0.hasPrefix("htpass: warning: ") }
        switch observation.status {
        case 0:
            #expect(!fault.kills, "\(fault): not killed")
            #expect(errorLines.isEmpty, "\(fault): status 0 with \(observation.stderr.debugDescription)")
            if fault.stage == .edit {
                #expect(observation.before == "new", "\(fault): status 0 but the file is \(observation.before)")
            } else {
                #expect(
                    observation.stdout == newListing,
                    "\(fault): list showed \(String(decoding: observation.stdout, as: UTF8.self).debugDescription)")
            }
        case 4:
            #expect(!fault.kills, "\(fault): not killed")
            #expect(!mustSucceed(fault), "\(fault): status 4: \(observation.stderr.debugDescription)")
            let reason = String(cString: strerror(errnoValues[fault.injection] ?? 0))
            #expect(
                errorLines.count == 1 && errorLines[0].hasPrefix("htpass: ")
                    && errorLines[0].contains(observation.directory)
                    && (errorLines[0].contains(reason) || errorLines[0].contains("Cannot keep the owner")),
                "\(fault): the error is not one line naming the file and \(reason.debugDescription): \(observation.stderr.debugDescription)"
            )
        case 128 + SIGKILL where fault.kills:
            break
        default:
            Issue.record("\(fault): exit status \(observation.status): \(observation.stderr.debugDescription)")
        }
        let next = observation.next
        #expect(
            next.status == 0, "\(fault): the next command failed (\(next.status)): \(next.stderrText.debugDescription)")
        #expect(observation.after != "neither", "\(fault): the file is neither old nor new after the next command")
        if observation.after != "neither" {
            let shown = observation.after == "old" ? oldListing : newListing
            #expect(next.stdout == shown, "\(fault): the next list shows \(next.stdoutText.debugDescription)")
        }
        if let expected {
            #expect(observation.after == expected, "\(fault): the file is \(observation.after), not \(expected)")
        }
        #expect(observation.leftovers.isEmpty, "\(fault): left \(observation.leftovers)")
        #expect(!observation.marked, "\(fault): the journal mark is still on the file")
        #expect(
            observation.info.st_mode & 0o7777 == 0o640 && observation.info.st_uid == owner
                && observation.info.st_gid == group,
            "\(fault): mode \(String(observation.info.st_mode & 0o7777, radix: 8)), owner \(observation.info.st_uid)")
    }

    // MARK: Helpers

    /// The programs, and the directory every run's files go under.
    struct Tools: Sendable {
        var strace: String
        var binary: String
        var base: String

        /// Runs `program` (no terminal, the password in the environment) and waits for it.
        func run(_ program: String, _ arguments: [String]) throws -> TestSupport.Output {
            try TestSupport.spawn(
                program, arguments.map { Array($0.utf8) }, environment: [passwordVariable: "dave-pw"])
        }

        /// Runs htpass with `arguments` under strace with `options`, watching the paths of `directory`'s file.
        func strace(_ options: [String], _ directory: String, _ arguments: [String]) throws -> TestSupport.Output {
            try run(strace, ["-f", "-qq"] + options + pathFilters(directory) + ["--", binary] + arguments)
        }
    }

    static func file(_ directory: String) -> String { directory + "/" + fileName }

    /// A directory `name` under `base` holding the old file, mode 0640, owned by ``owner``.
    static func prepare(_ base: String, _ name: String) throws -> String {
        let directory = base + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        try TestSupport.writeBytes(oldContent, to: file(directory))
        chmod(file(directory), 0o640)
        chown(file(directory), owner, group)
        return directory
    }

    /// Kills `edit` of the file in `directory`: in place when it truncates the file (its journal complete,
    /// the file written but not truncated), by rename when it renames the temporary file over the file.
    static func interrupt(_ edit: Edit, _ mode: String, _ directory: String, _ tools: Tools) throws {
        let call = mode == "in-place" ? "ftruncate" : "rename"
        let output = try tools.strace(
            ["-o", "/dev/null", "-e", "trace=\(call)", "-e", "inject=\(call):signal=KILL:when=1"], directory,
            edit.arguments(file(directory), mode: mode))
        // Runs on the pool's threads, outside the test's task: an error, not an expectation.
        let left = try names(directory)
        let expected = mode == "in-place" ? ".\(fileName).htpass-journal" : ".\(fileName).htpass-tmp"
        guard output.status == 128 + SIGKILL, left == [expected, fileName] else {
            throw SetupFailure(
                description: "\(edit) \(mode) was not killed at \(call) (status \(output.status), files \(left)): "
                    + output.stderrText)
        }
    }

    /// What `htpass list` prints for a file holding `content`.
    static func listing(of content: [UInt8], _ tools: Tools) throws -> [UInt8] {
        let directory = try canonical(try TestSupport.temporaryDirectory("htpass-faults-list"))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try TestSupport.writeBytes(content, to: file(directory))
        let output = try tools.run(tools.binary, ["list", file(directory)])
        try #require(output.status == 0)
        return output.stdout
    }

    /// strace's path filter: the file, its directory, its temporary file and its journal (paths as the
    /// kernel reports them, since strace matches descriptors through /proc/PID/fd).
    static func pathFilters(_ directory: String) -> [String] {
        [
            directory, file(directory), directory + "/.\(fileName).htpass-tmp",
            directory + "/.\(fileName).htpass-journal",
        ].flatMap { ["-P", $0] }
    }

    struct SetupFailure: Error, CustomStringConvertible {
        var description: String
    }

    struct TracedCall: Sendable {
        var name: String
        var line: String
    }

    /// The calls in an strace log written with `-f`, in order.
    static func tracedCalls(_ log: String) throws -> [TracedCall] {
        let text = String(decoding: try TestSupport.readBytes(log), as: UTF8.self)
        var calls: [TracedCall] = []
        var processes: Set<Substring> = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 1)
            guard fields.count == 2 else { continue }
            let call = fields[1].drop { $0 == " " }
            guard let open = call.firstIndex(of: "("), !call.hasPrefix("<..."), !call.hasPrefix("+++"),
                !call.hasPrefix("---")
            else { continue }
            processes.insert(fields[0])
            calls.append(TracedCall(name: String(call[..<open]), line: String(call)))
        }
        // strace counts `when=N` per thread: the command must make these calls from one thread.
        #expect(processes.count == 1, "calls on the file from several threads: \(processes.sorted())")
        return calls
    }

    static func names(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    static func canonical(_ path: String) throws -> String {
        guard let resolved = realpath(path, nil) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether the file carries `user.htpass.journal` (getxattr(2), which Swift's Glibc does not declare).
    static func hasJournalMark(_ path: String) -> Bool {
        typealias GetXattr =
            @convention(c) (
                UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int
            ) -> Int
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "getxattr") else { return true }
        let getxattr = unsafeBitCast(symbol, to: GetXattr.self)
        return getxattr(path, "user.htpass.journal", nil, 0) >= 0
    }
}

/// The observations of the pool's threads, each stored once by index.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<FaultInjectionTests.Observation, any Error>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func store(_ index: Int, _ result: Result<FaultInjectionTests.Observation, any Error>) {
        lock.withLock { results[index] = result }
    }

    func value(_ index: Int) -> Result<FaultInjectionTests.Observation, any Error> {
        lock.withLock { results[index]! }
    }
}

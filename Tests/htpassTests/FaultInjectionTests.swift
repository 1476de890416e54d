import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Systematic fault injection (issues 8 and 16): `htpass add`, `htpass delete` and `htpass apply`, by
/// rename and in place, run under `strace -e inject=CALL:error=ERRNO:when=N` for every occurrence N of
/// every file system call the edit makes on the htpasswd file, its directory and anything in it (a
/// temporary file, the journal), and killed (SIGKILL) at those calls. Then the same faults hit
/// `htpass recover` while it finishes an in-place edit killed after its commit point, and removes what an
/// edit by rename killed at its commit point left.
///
/// What is asserted is what a reader, a writer and a crash can observe, never the list of calls:
/// - the command exits 0, or 4 with one error line that names the file and the error; an error the design
///   tolerates (EXDEV from `copy_file_range`, EOPNOTSUPP from extended attributes, EINVAL from a
///   directory's sync, any failure to sync the directory after a rename, anything from `close`) and an
///   EINTR in a call that is retried do not fail it;
/// - exit 0 means the new content, byte for byte, and nothing else in the directory;
/// - exit 4 means the old content and nothing else in the directory, unless the message says the edit is
///   pending ("htpass recover"): then the journal may stay, and the next command finishes the edit. A
///   failure never leaves the new content committed without saying so;
/// - a kill at or before the commit point leaves the old content; after `htpass recover`, a kill after it
///   leaves the new content;
/// - after the next command (`htpass recover`, or `htpass apply --json` again for apply) the file is the
///   old or the new content with its mode and owner, nothing else is in the directory, and no journal
///   mark is left. `apply --json` never says "changed":false while the file does not hold its content.
///
/// Which calls: a first run of each command is traced (`-f -y`, every file system call, no path filter)
/// and the calls whose descriptors or paths lie in the directory are the targets, whatever their names:
/// a temporary file with a random name is found like a fixed one. The commit point is the rename or link
/// that gives the file (by rename) or the journal (in place) its new content, found in the same trace
/// (see ``FileTimeline``). Calls made only on a fallback path (the copy through user space when
/// `copy_file_range` is refused) are not in the first run's list; refusing `copy_file_range` with EXDEV
/// walks that path.
///
/// Which faults (see ``injections(for:directory:turn:first:)``): every call gets one error, the calls' errnos
/// taken in turn, and the error its caller tolerates where there is one; EINTR goes to the calls that
/// must survive it; SIGKILL to every call that would change a file, since a kill anywhere else leaves the
/// same files as a kill at the next one that does.
///
/// Without `-P`, strace's `when=N` counts every call of that name in the thread (the loader's `openat`
/// too): the count the first run gives, since the command makes the same calls in the same order each
/// time. Each run checks that its fault hit the planned call (the same name, paths and rank, random parts
/// aside), and counts again when calls elsewhere shifted (see ``inject(_:index:_:new:)``).
@Suite("Fault injection into every file system call of an edit (strace)")
struct FaultInjectionTests {
    static let fileName = "users"
    static let journalName = ".users.htpass-journal"
    static let oldContent = Array(
        """
        alice:{SHA}4vCGRwEY+OgIlyZo0bMv0IkxE1E=
        bob:{SHA}Zu+OQTq7q8D8kRt1CqqJaMTaTHQ=
        # the build robot
        carol:{SHA}sjZBDBORGt8y2e5bbwa3hqRY2Yo=

        """.utf8)
    /// apply's SPEC (`--hashed --exclusive`): alice as she is, carol with a new hash, dave added, bob removed.
    static let spec = Array(
        """
        alice:{SHA}4vCGRwEY+OgIlyZo0bMv0IkxE1E=
        carol:{SHA}Zu+OQTq7q8D8kRt1CqqJaMTaTHQ=
        dave:{SHA}EfatjsUqKYSrqv18O1FlA3hcIHI=

        """.utf8)
    static let passwordVariable = "HTPASS_FAULT_PASSWORD"
    /// As root, the file belongs to someone else, so that the rename path must give the new file its owner.
    static let owner: uid_t = geteuid() == 0 ? 65534 : geteuid()
    static let group: gid_t = geteuid() == 0 ? 65534 : getegid()

    /// The edits under test: a user appended, a user removed from the middle, a SPEC applied.
    enum Edit: String, CaseIterable, Sendable {
        case add, delete, apply

        /// - Parameter spec: apply's SPEC file.
        func arguments(_ file: String, mode: String, spec: String) -> [String] {
            switch self {
            // sha1 has no salt, so the edit's result is the same in every run.
            case .add: ["add", file, "dave", "--password-env", passwordVariable, "-a", "sha1", "--write-mode", mode]
            case .delete: ["delete", file, "bob", "--write-mode", mode]
            case .apply: ["apply", file, spec, "--hashed", "--exclusive", "--json", "--write-mode", mode]
            }
        }
    }

    static let modes = ["rename", "in-place"]

    /// What runs under strace.
    enum Stage: String, Sendable {
        /// The edit itself, on the old file.
        case edit
        /// `htpass recover` after the edit was killed: in place after its commit point (recover finishes
        /// it), by rename at its commit point (recover removes what it left).
        case recovery
    }

    /// Where a call is, relative to the edit's commit point.
    enum Position: Sendable {
        case beforeCommit, commit, afterCommit
    }

    /// A call at which to kill an edit: its name and its occurrence in strace's count.
    struct Kill: Sendable {
        var call: String
        var occurrence: Int
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
        /// The call's name and paths (``SyscallTrace/Call/signature(in:)``), and its number among the
        /// command's calls with that signature: to check that the fault hit it, and to find it again.
        var signature: String
        var rank: Int
        /// The call as the first run showed it.
        var traced: String
        /// Whether the call is on the directory itself (its descriptor is the directory's).
        var onDirectory: Bool
        /// In the edit stage, where the call is relative to the commit point.
        var position: Position?
        /// In the recovery stage, where the edit was killed first.
        var interruption: Kill?

        var kills: Bool { injection == "SIGKILL" }

        /// strace's option for this fault at the `when`-th call of its name.
        func straceInjection(when: Int) -> String {
            "inject=\(call):\(kills ? "signal=KILL" : "error=\(injection)"):when=\(when)"
        }

        var description: String {
            let what =
                stage == .edit ? "\(edit) --write-mode \(mode)" : "recover after an interrupted \(edit) (\(mode))"
            return "\(what): \(call) #\(occurrence) \(injection) on \(traced)"
        }
    }

    /// What a faulty run and the next command left.
    struct Observation: Sendable {
        var fault: Fault
        var status: Int32
        var stdout: String
        var stderr: String
        /// Why the fault did not hit the planned call once; nil if it did.
        var miss: String?
        /// How many runs it took to hit it (more than one when the command's calls shifted).
        var attempts: Int
        /// The file right after the faulty run: "old", "new" or "neither"; the other names in the directory;
        /// whether the file carries a journal mark.
        var before: String
        var leftoversBefore: [String]
        var next: TestSupport.Output
        /// The same, after the next command.
        var after: String
        var leftovers: [String]
        var marked: Bool
        var info: stat
        var directory: String
    }

    /// The system calls traced in the first runs: everything a storage layer may do to a file or a
    /// directory. Only those on the directory and its files become faults.
    static let fileSystemCalls = [
        "statx", "newfstatat", "fstat", "lstat", "stat",
        "openat", "open", "creat", "read", "pread64", "readv", "preadv", "write", "pwrite64", "writev", "pwritev",
        "lseek", "close", "fsync", "fdatasync", "ftruncate", "fallocate", "copy_file_range", "sendfile",
        "fchown", "fchownat", "fchmod", "fchmodat",
        "rename", "renameat", "renameat2", "link", "linkat", "unlink", "unlinkat", "getdents64",
        "readlink", "readlinkat", "access", "faccessat", "faccessat2",
        "fcntl", "flock",
        "fsetxattr", "fgetxattr", "fremovexattr", "flistxattr", "setxattr", "getxattr", "removexattr",
        "lsetxattr", "lgetxattr", "lremovexattr",
    ]

    /// The errors a call can meet; each call site gets one of them, in turn, so that every errno of a
    /// call is tried somewhere without multiplying the runs.
    static let errnos: [String: [String]] = {
        var table: [String: [String]] = [:]
        func set(_ names: [String], _ errors: [String]) { for name in names { table[name] = errors } }
        set(["openat", "open", "creat"], ["EIO", "EACCES", "ENOSPC", "EPERM", "EMFILE"])
        set(["read", "pread64", "readv", "preadv", "getdents64"], ["EIO"])
        set(["write", "pwrite64", "writev", "pwritev", "ftruncate", "fallocate"], ["ENOSPC", "EIO", "EDQUOT"])
        set(["copy_file_range", "sendfile"], ["ENOSPC", "EIO"])
        set(["fsync", "fdatasync"], ["EIO", "ENOSPC"])
        set(["rename", "renameat", "renameat2"], ["EIO", "ENOSPC", "EACCES", "EPERM", "EBUSY"])
        set(["link", "linkat"], ["EIO", "ENOSPC", "EPERM", "EMLINK"])
        set(["unlink", "unlinkat"], ["EIO", "EACCES", "EPERM", "EBUSY"])
        set(["statx", "newfstatat", "fstat", "lstat", "stat", "readlink", "readlinkat"], ["EIO", "EACCES"])
        set(["access", "faccessat", "faccessat2"], ["EACCES", "EIO"])
        set(["lseek"], ["EINVAL"])
        set(["close"], ["EIO"])
        set(["fchown", "fchownat", "fchmod", "fchmodat"], ["EPERM", "EIO"])
        set(["fcntl", "flock"], ["ENOLCK", "EIO"])
        set(["fsetxattr", "setxattr", "lsetxattr"], ["ENOSPC", "EIO", "EPERM", "EDQUOT"])
        set(["fgetxattr", "getxattr", "lgetxattr", "flistxattr"], ["EIO", "EACCES"])
        set(["fremovexattr", "removexattr", "lremovexattr"], ["EIO", "EPERM"])
        return table
    }()

    /// The injections for one call site: one error in turn, an error the design tolerates where there is
    /// one; EINTR where the call is retried (it must survive it), and at the first call of each other name
    /// (which the summary lists when it fails the command); SIGKILL where the call would change a file, and
    /// at the command's first call on the directory. A kill anywhere else leaves the same files as a kill
    /// at the next call that changes one (see ``SyscallTrace/Call/changesFiles``), so those states are all
    /// reached.
    ///
    /// - Parameters:
    ///   - turn: Which of the call's errors: the call's occurrence, offset by the command, so that the same
    ///     call in another command gets another error.
    ///   - first: Whether this is the command's first call of this name on the directory, and whether it is
    ///     its first call on the directory at all.
    static func injections(
        for call: SyscallTrace.Call, directory: String, turn: Int, first: (ofName: Bool, atAll: Bool)
    ) -> [String] {
        let errors = errnos[call.name] ?? ["EIO"]
        var list = [errors[turn % errors.count]]
        switch call.name {
        case "copy_file_range": list.append(turn % 2 == 0 ? "EXDEV" : "ENOSYS")  // copied through user space
        case "fsetxattr", "fgetxattr": list.append("EOPNOTSUPP")  // no extended attributes there
        case "fsync" where call.isOn(directory), "fdatasync" where call.isOn(directory):
            list.append("EINVAL")  // a file system that cannot sync a directory
        default: break
        }
        if retried(call.name, line: call.line) || (first.ofName && !["close", "lseek"].contains(call.name)) {
            list.append("EINTR")
        }
        if call.changesFiles || first.atAll { list.append("SIGKILL") }
        return list
    }

    /// Calls that must survive EINTR (the storage layer retries them): an EINTR there must not fail the
    /// command. `close` and the renames are never retried, by design.
    static let retriedOnEINTR: Set = [
        "openat", "read", "pread64", "write", "pwrite64", "copy_file_range", "fsync", "fdatasync", "ftruncate",
        "fchmod", "fchown", "flock", "fcntl", "fallocate", "fremovexattr", "fsetxattr", "fgetxattr",
    ]

    /// Whether `name` (the call `line`) must survive EINTR; `fcntl` only waits, and can be interrupted,
    /// when it waits for a lock.
    static func retried(_ name: String, line: String) -> Bool {
        name == "fcntl" ? line.contains("SETLKW") : retriedOnEINTR.contains(name)
    }

    /// Whether the command must succeed despite `fault`: a retried EINTR, or an error the design tolerates.
    static func mustSucceed(_ fault: Fault) -> Bool {
        switch (fault.call, fault.injection) {
        case (_, "SIGKILL"): false
        case ("close", _): true  // after fsync, a failed close loses nothing
        case (let call, "EINTR"): retried(call, line: fault.traced)
        case ("copy_file_range", "EXDEV"), ("copy_file_range", "ENOSYS"): true
        case ("fsetxattr", "EOPNOTSUPP"), ("fgetxattr", "EOPNOTSUPP"): fault.stage == .edit
        // A file system that cannot sync a directory.
        case ("fsync", "EINVAL"), ("fdatasync", "EINVAL"): fault.onDirectory
        // By rename, the directory is synced after the rename: the new file is in place, which a failed
        // sync does not undo (the command warns).
        case ("fsync", _), ("fdatasync", _):
            fault.onDirectory && fault.mode == "rename" && fault.stage == .edit && fault.position == .afterCommit
        default: false
        }
    }

    static let errnoValues: [String: CInt] = [
        "EIO": EIO, "EINTR": EINTR, "ENOSPC": ENOSPC, "EACCES": EACCES, "EPERM": EPERM, "EINVAL": EINVAL,
        "EXDEV": EXDEV, "ENOSYS": ENOSYS, "EOPNOTSUPP": EOPNOTSUPP, "EMFILE": EMFILE, "EDQUOT": EDQUOT,
        "EBUSY": EBUSY, "EMLINK": EMLINK, "ENOLCK": ENOLCK,
    ]

    @Test("add, delete, apply, and recover after a killed edit, by rename and in place: each file call fails in turn")
    func everyFileSystemCallFailsInTurn() throws {
        let strace = try TestSupport.locate("strace")
        let binary = TestSupport.htpassBinary
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw MissingBinary(path: binary) }
        let base = try Self.canonical(try TestSupport.temporaryDirectory("htpass-faults"))
        defer { try? FileManager.default.removeItem(atPath: base) }
        let started = Date()
        let tools = Tools(strace: strace, binary: binary, base: base, spec: base + "/spec")
        try TestSupport.writeBytes(Self.spec, to: tools.spec)

        // 1. Each command once, traced without faults: the calls it makes, its commit point, what it leaves.
        var planned: [Fault] = []
        var newFiles: [Edit: [UInt8]] = [:]
        var kills: [String: Kill] = [:]
        for (editNumber, edit) in Edit.allCases.enumerated() {
            for (modeNumber, mode) in Self.modes.enumerated() {
                let directory = try Self.prepare(base, "trace-\(edit)-\(mode)")
                let (output, trace) = try tools.trace(
                    directory, edit.arguments(Self.file(directory), mode: mode, spec: tools.spec))
                try #require(output.status == 0, "\(edit) \(mode) without faults: \(output.stderrText)")
                let result = try TestSupport.readBytes(Self.file(directory))
                #expect(result != Self.oldContent)
                if let earlier = newFiles[edit] {
                    #expect(result == earlier, "\(edit): rename and in place write the same bytes")
                }
                newFiles[edit] = result
                #expect(try Self.names(directory) == [Self.fileName])

                // The commit point: the rename or link that gives the file (by rename) or the journal (in
                // place) its new content.
                let timeline = FileTimeline(trace, existing: [directory, Self.file(directory)])
                let committed = mode == "rename" ? Self.file(directory) : directory + "/" + Self.journalName
                let commit = try #require(
                    timeline.firstNaming(committed), "\(edit) \(mode): nothing was renamed or linked to \(committed)")
                let sites = Self.sites(trace, directory: directory)
                #expect(Set(sites.map(\.call.thread)).count == 1, "\(edit) \(mode): calls from several threads")
                for (call, rank, first) in sites {
                    let position: Position =
                        call.index < commit.index ? .beforeCommit : call.index == commit.index ? .commit : .afterCommit
                    let turn = call.occurrence + editNumber * 2 + modeNumber
                    for injection in Self.injections(for: call, directory: directory, turn: turn, first: first) {
                        planned.append(
                            Fault(
                                stage: .edit, edit: edit, mode: mode, call: call.name, occurrence: call.occurrence,
                                injection: injection, signature: call.signature(in: directory), rank: rank,
                                traced: call.line, onDirectory: call.isOn(directory), position: position))
                    }
                }

                // Where to kill it for the recovery stage: by rename at the commit point (the new file is
                // complete next to the old one); in place at the last write to the file (past the commit
                // point, the file may be neither old nor new).
                let file = try #require(timeline.existing[Self.file(directory)])
                let killAt: SyscallTrace.Call
                if mode == "rename" {
                    killAt = commit.call
                } else {
                    killAt = try #require(timeline.lastWrite(of: file), "\(edit) in place never wrote the file").call
                }
                kills["\(edit) \(mode)"] = Kill(call: killAt.name, occurrence: killAt.occurrence)
            }
        }

        // The recovery stage: recover after add and delete were killed, traced without faults.
        for (editNumber, edit) in [Edit.add, .delete].enumerated() {
            for (modeNumber, mode) in Self.modes.enumerated() {
                let kill = kills["\(edit) \(mode)"]!
                let directory = try Self.prepare(base, "trace-recovery-\(edit)-\(mode)")
                try Self.interrupt(edit, mode, at: kill, directory, tools)
                let (output, trace) = try tools.trace(directory, ["recover", Self.file(directory)])
                try #require(output.status == 0, "recover after an interrupted \(edit): \(output.stderrText)")
                let finished = mode == "in-place"
                #expect(
                    try TestSupport.readBytes(Self.file(directory)) == (finished ? newFiles[edit] : Self.oldContent),
                    "recover after \(edit) \(mode)")
                #expect(try Self.names(directory) == [Self.fileName])
                for (call, rank, first) in Self.sites(trace, directory: directory) {
                    let turn = call.occurrence + editNumber * 2 + modeNumber + 1
                    for injection in Self.injections(for: call, directory: directory, turn: turn, first: first) {
                        planned.append(
                            Fault(
                                stage: .recovery, edit: edit, mode: mode, call: call.name,
                                occurrence: call.occurrence, injection: injection,
                                signature: call.signature(in: directory), rank: rank, traced: call.line,
                                onDirectory: call.isOn(directory), interruption: kill))
                    }
                }
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
        var replanned = 0
        for (index, fault) in faults.enumerated() {
            let observation = try results.value(index).get()
            if fault.injection == "EINTR" && observation.status == 4 { interruptedCalls.insert(fault.call) }
            if observation.attempts > 1 { replanned += 1 }
            Self.check(observation)
            let key = "\(fault.stage == .edit ? "\(fault.edit)" : "recover after \(fault.edit)"), \(fault.mode)"
            perCall[key, default: [:]][fault.call, default: 0] += 1
            let pending = Self.saysPending(observation.stderr) ? " saying the edit is pending" : ""
            let repaired = observation.before == "neither" ? ", finished by the next command" : ""
            let status = fault.kills ? "killed" : "status \(observation.status)\(pending)"
            let stage =
                fault.stage == .recovery ? "recover" : fault.edit == .apply ? "apply (then apply again)" : "add, delete"
            outcomes["\(stage): \(status), \(observation.after) content\(repaired)", default: 0] += 1
        }

        let seconds = Date().timeIntervalSince(started)
        let killCount = faults.filter(\.kills).count
        print(
            "fault injection: \(faults.count) runs (\(faults.count - killCount) errors, \(killCount) SIGKILLs) in "
                + "\(String(format: "%.1f", seconds)) s, \(workers) at a time")
        for (key, calls) in perCall.sorted(by: { $0.key < $1.key }) {
            let list = calls.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("  \(key): \(calls.values.reduce(0, +)) (\(list))")
        }
        let byInjection = Dictionary(grouping: faults, by: \.injection).mapValues(\.count)
        print("  " + byInjection.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        for (outcome, count) in outcomes.sorted(by: { $0.key < $1.key }) { print("  \(outcome): \(count)") }
        print("  EINTR exits 4 at: \(interruptedCalls.sorted().joined(separator: ", "))")
        print("  faults counted again because the command's calls shifted between runs: \(replanned)")
    }

    /// The calls of `trace` on `directory` and its files, each with its number among the calls with its
    /// signature, and whether it is the first of its name and the first of all.
    static func sites(_ trace: SyscallTrace, directory: String) -> [(
        call: SyscallTrace.Call, rank: Int, first: (ofName: Bool, atAll: Bool)
    )] {
        var ranks: [String: Int] = [:]
        var names: Set<String> = []
        return trace.calls(touching: directory).enumerated().map { number, call in
            let signature = call.thread + " " + call.signature(in: directory)
            ranks[signature, default: 0] += 1
            return (call, ranks[signature]!, (names.insert(call.name).inserted, number == 0))
        }
    }

    /// The call of `trace` with `signature` and `rank` (see ``Fault``), if there is one.
    static func find(_ signature: String, rank: Int, in trace: SyscallTrace, directory: String) -> SyscallTrace.Call? {
        trace.calls.filter { $0.signature(in: directory) == signature }.dropFirst(rank - 1).first
    }

    /// The signature and rank of the call a fault hit: the one strace marked injected, or the one the
    /// process was killed in.
    static func hit(_ trace: SyscallTrace, kills: Bool, directory: String) -> (signature: String, rank: Int)? {
        let hits = kills ? trace.calls.filter { $0.result == "?" } : trace.calls.filter(\.injected)
        guard hits.count == 1, !kills || trace.killedBy == "SIGKILL" else { return nil }
        let signature = hits[0].signature(in: directory)
        let rank = trace.calls.filter { $0.index <= hits[0].index && $0.signature(in: directory) == signature }.count
        return (signature, rank)
    }

    // MARK: One fault

    /// Runs `fault` in a fresh directory, then the next command, and says what they left.
    ///
    /// The fault is injected by number (`when=N`), which counts every call of that name, also those on
    /// other files; should some of those vary from run to run (a read of `/proc/PID/mountinfo`, whose size
    /// changes when other mounts come and go), the fault hits another call. Then the calls are counted again
    /// in a run without the fault, and the fault is tried again, twice at most.
    static func inject(_ fault: Fault, index: Int, _ tools: Tools, new: [UInt8]) throws -> Observation {
        var occurrence = fault.occurrence
        var attempts = 0
        var directory = ""
        var file = ""
        var output: TestSupport.Output
        var miss: String?
        var command: [String] = []
        repeat {
            attempts += 1
            directory = try prepare(tools.base, "fault-\(index)" + (attempts > 1 ? "-\(attempts)" : ""))
            file = Self.file(directory)
            if let kill = fault.interruption { try interrupt(fault.edit, fault.mode, at: kill, directory, tools) }
            let log = directory + ".log"
            command =
                fault.stage == .edit
                ? fault.edit.arguments(file, mode: fault.mode, spec: tools.spec) : ["recover", file]
            output = try tools.strace(
                [
                    "-y", "-s", "4096", "-o", log, "-e", "trace=\(fault.call)", "-e",
                    fault.straceInjection(when: occurrence),
                ],
                command)

            // The fault must have hit the planned call: the same name, paths and rank.
            let trace = try SyscallTrace(log: log)
            let hit = Self.hit(trace, kills: fault.kills, directory: directory)
            if let hit, hit.signature == fault.signature, hit.rank == fault.rank {
                miss = nil
                break
            }
            let hits = trace.calls.filter { fault.kills ? $0.result == "?" : $0.injected }.map(\.line)
            miss = "hit \(hits) (\(trace.killedBy ?? "not killed"))"
            guard attempts < 3 else { break }
            // Count again, without the fault.
            let probe = try prepare(tools.base, "probe-\(index)-\(attempts)")
            if let kill = fault.interruption { try interrupt(fault.edit, fault.mode, at: kill, probe, tools) }
            let probeCommand =
                fault.stage == .edit
                ? fault.edit.arguments(Self.file(probe), mode: fault.mode, spec: tools.spec)
                : ["recover", Self.file(probe)]
            _ = try tools.strace(
                ["-y", "-s", "4096", "-o", probe + ".log", "-e", "trace=\(fault.call)"], probeCommand)
            let counted = try SyscallTrace(log: probe + ".log")
            guard let again = find(fault.signature, rank: fault.rank, in: counted, directory: probe) else { break }
            occurrence = again.occurrence
        } while true

        let before = try TestSupport.readBytes(file)
        let leftoversBefore = try names(directory).filter { $0 != fileName }
        // The next command: recover, or for apply, apply again (which must not report "changed":false
        // while the file does not hold the SPEC).
        let next = try tools.run(
            tools.binary, fault.stage == .edit && fault.edit == .apply ? command : ["recover", file])
        let after = try TestSupport.readBytes(file)
        func name(_ bytes: [UInt8]) -> String { bytes == oldContent ? "old" : bytes == new ? "new" : "neither" }
        var info = stat()
        stat(file, &info)
        return Observation(
            fault: fault, status: output.status, stdout: output.stdoutText, stderr: output.stderrText, miss: miss,
            attempts: attempts, before: name(before), leftoversBefore: leftoversBefore, next: next, after: name(after),
            leftovers: try names(directory).filter { $0 != fileName }, marked: hasJournalMark(file), info: info,
            directory: directory)
    }

    /// Whether stderr says that the edit is complete in its journal and that `htpass recover` finishes it.
    static func saysPending(_ stderr: String) -> Bool { stderr.contains("htpass recover") }

    static func check(_ observation: Observation) {
        let fault = observation.fault
        if let miss = observation.miss {
            Issue.record("\(fault): the fault did not hit the planned call: \(miss)")
        }
        // Warnings (sha1 is weak; a directory that could not be synced) and notes are not errors.
        let errorLines = lines(observation.stderr).filter { !isWarning($0) }
        let pending = saysPending(observation.stderr)
        // What the file must hold after the next command, when only one content will do.
        var expected: String?
        switch fault.stage {
        case .recovery: expected = fault.mode == "in-place" ? "new" : "old"
        case .edit where fault.edit == .apply: expected = "new"  // the next command applies the SPEC again
        case .edit: break
        }

        switch observation.status {
        case 0:
            #expect(!fault.kills, "\(fault): not killed")
            #expect(errorLines.isEmpty, "\(fault): status 0 with \(observation.stderr.debugDescription)")
            if fault.stage == .edit {
                #expect(observation.before == "new", "\(fault): status 0 but the file is \(observation.before)")
                expected = "new"
            } else {
                #expect(observation.before == expected, "\(fault): status 0 but the file is \(observation.before)")
            }
            // Recover may leave a dead writer's temporary file it could not remove (the next run removes it),
            // never the journal of an edit it says it finished.
            let left = observation.leftoversBefore.filter { fault.stage == .edit || !$0.contains("htpass-tmp") }
            #expect(left.isEmpty, "\(fault): status 0 but left \(observation.leftoversBefore)")
            if fault.edit == .apply && fault.stage == .edit {
                #expect(observation.stdout.contains("\"changed\":true"), "\(fault): \(observation.stdout)")
            }
        case 4:
            #expect(!mustSucceed(fault), "\(fault): status 4: \(observation.stderr.debugDescription)")
            let reason = String(cString: strerror(errnoValues[fault.injection] ?? 0))
            #expect(
                errorLines.count == 1 && errorLines[0].hasPrefix("htpass: ")
                    && errorLines[0].contains(observation.directory)
                    && (errorLines[0].contains(reason) || errorLines[0].contains("Cannot keep the owner")),
                "\(fault): the error is not one line naming the file and \(reason.debugDescription): \(observation.stderr.debugDescription)"
            )
            if fault.stage == .edit && !pending {
                // Failed, and said nothing is pending: nothing changed.
                #expect(observation.before == "old", "\(fault): status 4 but the file is \(observation.before)")
                #expect(
                    observation.leftoversBefore.isEmpty, "\(fault): status 4 but left \(observation.leftoversBefore)")
                if fault.edit != .apply { expected = "old" }
            } else if fault.stage == .edit {
                // Pending: the journal may stay until the next command finishes the edit.
                #expect(
                    observation.leftoversBefore.allSatisfy { $0 == journalName },
                    "\(fault): status 4 (pending) but left \(observation.leftoversBefore)")
                expected = "new"
            }
        case 128 + SIGKILL where fault.kills:
            if let position = fault.position {
                // Nothing touches the file before the commit point.
                if position != .afterCommit {
                    #expect(
                        observation.before == "old",
                        "\(fault): killed before the commit, the file is \(observation.before)")
                    if fault.edit != .apply { expected = "old" }
                } else if fault.edit != .apply {
                    expected = "new"
                }
            }
        default:
            Issue.record("\(fault): exit status \(observation.status): \(observation.stderr.debugDescription)")
        }

        let next = observation.next
        #expect(
            next.status == 0 && lines(next.stderrText).allSatisfy(isWarning),
            "\(fault): the next command failed (\(next.status)): \(next.stderrText.debugDescription)")
        if fault.stage == .edit && fault.edit == .apply, next.stdoutText.contains("\"changed\":false") {
            // Nothing to write: only true once the file holds the SPEC and nothing is pending (an edit left
            // pending is finished first, and then there is nothing to write).
            #expect(
                observation.after == "new" && observation.leftovers.isEmpty && !observation.marked,
                "\(fault): apply --json says changed:false, but the file is \(observation.after) with \(observation.leftovers)"
            )
        }
        #expect(observation.after != "neither", "\(fault): the file is neither old nor new after the next command")
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

    /// The programs, the directory every run's files go under, and apply's SPEC.
    struct Tools: Sendable {
        var strace: String
        var binary: String
        var base: String
        var spec: String

        /// Runs `program` (no terminal, the password in the environment) and waits for it.
        func run(_ program: String, _ arguments: [String]) throws -> TestSupport.Output {
            try TestSupport.spawn(
                program, arguments.map { Array($0.utf8) }, environment: [passwordVariable: "dave-pw"])
        }

        /// Runs htpass with `arguments` under strace with `options`.
        func strace(_ options: [String], _ arguments: [String]) throws -> TestSupport.Output {
            try run(strace, ["-f", "-qq"] + options + ["--", binary] + arguments)
        }

        /// Runs htpass with `arguments` under strace, tracing every file system call, and parses the log.
        func trace(_ directory: String, _ arguments: [String]) throws -> (TestSupport.Output, SyscallTrace) {
            let log = directory + ".log"
            let output = try strace(
                ["-y", "-s", "4096", "-o", log, "-e", "trace=" + fileSystemCalls.joined(separator: ",")], arguments)
            return (output, try SyscallTrace(log: log))
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

    /// Kills `edit` of the file in `directory` at `kill`: by rename, its commit point, which leaves a
    /// temporary file; in place, past its commit point, which leaves the journal.
    static func interrupt(_ edit: Edit, _ mode: String, at kill: Kill, _ directory: String, _ tools: Tools) throws {
        let output = try tools.strace(
            [
                "-o", "/dev/null", "-e", "trace=\(kill.call)", "-e",
                "inject=\(kill.call):signal=KILL:when=\(kill.occurrence)",
            ],
            edit.arguments(file(directory), mode: mode, spec: tools.spec))
        // Runs on the pool's threads, outside the test's task: an error, not an expectation.
        let left = try names(directory).filter { $0 != fileName }
        let expected = mode == "in-place" ? left.contains(journalName) : left.contains { $0.contains("htpass-tmp") }
        guard output.status == 128 + SIGKILL, expected else {
            throw SetupFailure(
                description:
                    "\(edit) \(mode) was not killed at \(kill.call) #\(kill.occurrence) (status \(output.status), "
                    + "files \(left)): " + output.stderrText)
        }
    }

    struct SetupFailure: Error, CustomStringConvertible {
        var description: String
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

import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Failures at chosen moments of an in-place edit (strace fault injection), and what the command says
/// and leaves: before the commit point, the file untouched and no mark; after it, one retry, then status 4
/// saying that the edit is complete in its journal and that the next run finishes it — which it does.
/// The systematic sweep over every call is FaultInjectionTests; these pin the outcomes it allows.
///
/// The moments are found in a trace of the same edit without faults (``Plan``), by what the calls do
/// rather than by their names or numbers: the commit point is the rename or link that gives the journal
/// its name, "writing the file" is any call that changes the file's content or size after it, "syncing the
/// directory" any sync of the directory's descriptor. A storage layer that reaches those moments through
/// other calls is faulted at its own calls.
@Suite("In-place edits: failures before and after the commit point (strace)")
struct InPlaceFailureTests {
    static let oldContent = FaultInjectionTests.oldContent
    static let journalName = FaultInjectionTests.journalName

    /// A fresh directory holding the old file; the directory and the file.
    static func prepare(_ label: String) throws -> (directory: String, file: String) {
        let directory = try FaultInjectionTests.canonical(try TestSupport.temporaryDirectory(label))
        let file = directory + "/users"
        try TestSupport.writeBytes(oldContent, to: file)
        chmod(file, 0o640)
        return (directory, file)
    }

    /// `htpass add FILE dave` (sha1: the same bytes every time) in `mode`, under strace with `options`.
    static func add(_ file: String, mode: String = "in-place", strace options: [String]) throws -> TestSupport.Output {
        try strace(options, FaultInjectionTests.Edit.add.arguments(file, mode: mode, spec: ""))
    }

    /// htpass with `arguments` under strace with `options`.
    static func strace(_ options: [String], _ arguments: [String]) throws -> TestSupport.Output {
        try TestSupport.spawn(
            try TestSupport.locate("strace"),
            (["-f", "-qq", "-o", "/dev/null"] + options + ["--", TestSupport.htpassBinary] + arguments).map {
                Array($0.utf8)
            },
            environment: [FaultInjectionTests.passwordVariable: "dave-pw"])
    }

    /// What an undisturbed `add` in `mode` does, from its trace.
    struct Plan {
        var new: [UInt8]
        var trace: SyscallTrace
        var timeline: FileTimeline
        /// The directory and the file of the traced run.
        var directory: String
        var file: String
        /// The rename or link that gives the journal (in place) or the file (by rename) its new content.
        var commit: FileTimeline.Event

        /// The calls that change the file's content or size after the commit point, in order.
        var fileWrites: [SyscallTrace.Call] {
            let file = timeline.existing[file]
            return timeline.events.filter { $0.file == file && $0.kind == .write && $0.index > commit.index }
                .map(\.call)
        }

        /// The syncs of the directory after the commit point, in order.
        var directorySyncs: [SyscallTrace.Call] {
            let directory = timeline.existing[directory]
            return timeline.events.filter { $0.file == directory && $0.kind == .sync && $0.index > commit.index }
                .map(\.call)
        }

        /// The call's number among the calls of its name on the file, as strace counts them with `-P FILE`.
        func occurrenceOnFile(_ call: SyscallTrace.Call) -> Int {
            trace.calls.filter {
                $0.thread == call.thread && $0.name == call.name && $0.index <= call.index && $0.paths.contains(file)
            }.count
        }
    }

    /// Traces `add` in `mode` without faults.
    static func plan(mode: String = "in-place") throws -> Plan {
        let (directory, file) = try prepare("htpass-inplace-plan")
        let log = directory + ".log"
        let output = try add(
            file, mode: mode,
            strace: [
                "-y", "-s", "4096", "-o", log, "-e",
                "trace=" + FaultInjectionTests.fileSystemCalls.joined(separator: ","),
            ])
        try #require(output.status == 0, "\(output.stderrText)")
        let trace = try SyscallTrace(log: log)
        let timeline = FileTimeline(trace, existing: [directory, file])
        let committed = mode == "in-place" ? directory + "/" + journalName : file
        let commit = try #require(timeline.firstNaming(committed), "nothing was renamed or linked to \(committed)")
        return Plan(
            new: try TestSupport.readBytes(file), trace: trace, timeline: timeline, directory: directory, file: file,
            commit: commit)
    }

    /// strace options that fail `call` (by its unfiltered occurrence) with `error`.
    static func failing(_ call: SyscallTrace.Call, _ error: String) -> [String] {
        ["-e", "trace=\(call.name)", "-e", "inject=\(call.name):error=\(error):when=\(call.occurrence)"]
    }

    /// strace options that fail every call of the names of `calls` on `file` with `error`, from the first
    /// of `calls` on: the file cannot be written any more (a disk that stays full).
    static func failingFrom(_ calls: [SyscallTrace.Call], on file: String, _ error: String, plan: Plan? = nil)
        -> [String]
    {
        var options = ["-P", file]
        var seen: Set<String> = []
        for call in calls where seen.insert(call.name).inserted {
            let from = plan.map { "\($0.occurrenceOnFile(call))+" }
            options += ["-e", "inject=\(call.name):error=\(error)" + (from.map { ":when=\($0)" } ?? "")]
        }
        return options
    }

    /// The error lines (not warnings) on stderr.
    static func errors(_ output: TestSupport.Output) -> [String] {
        lines(output.stderrText).filter { !isWarning($0) }
    }

    static func leftovers(_ directory: String) throws -> [String] {
        try FaultInjectionTests.names(directory).filter { $0 != "users" }
    }

    @Test("Writing the file fails once after the commit point: retried, the edit succeeds")
    func copyFailsOnce() throws {
        let plan = try Self.plan()
        let first = try #require(plan.fileWrites.first, "the edit never wrote the file after its commit point")
        let (directory, file) = try Self.prepare("htpass-inplace-once")
        let output = try Self.add(file, strace: Self.failing(first, "ENOSPC"))
        #expect(output.status == 0 && Self.errors(output).isEmpty, "\(first.name): \(output.stderrText)")
        #expect(try TestSupport.readBytes(file) == plan.new)
        #expect(try Self.leftovers(directory).isEmpty)
        #expect(!FaultInjectionTests.hasJournalMark(file))
    }

    /// `add` in place with every write to the file failing from the commit point on; the directory and
    /// the file, and the failed command's output.
    static func addWithFileUnwritable(_ label: String, plan: Plan) throws -> (
        directory: String, file: String, output: TestSupport.Output
    ) {
        let (directory, file) = try prepare(label)
        try #require(!plan.fileWrites.isEmpty, "the edit never wrote the file after its commit point")
        let output = try add(file, strace: failingFrom(plan.fileWrites, on: file, "ENOSPC", plan: plan))
        return (directory, file, output)
    }

    @Test(
        "Writing the file keeps failing after the commit point: status 4 says the edit is in its journal and that 'htpass recover' finishes it, which it does"
    )
    func copyFailsTwice() throws {
        let plan = try Self.plan()
        let (directory, file, output) = try Self.addWithFileUnwritable("htpass-inplace-twice", plan: plan)
        #expect(output.status == 4)
        let errors = Self.errors(output)
        #expect(errors.count == 1, "\(output.stderrText)")
        let message = errors.first ?? ""
        #expect(message.contains("is complete in its journal '\(directory)/\(Self.journalName)'"), "\(message)")
        #expect(message.contains("No space left on device"), "\(message)")
        #expect(message.hasSuffix("then run: htpass recover \(file)"), "\(message)")
        #expect(try Self.leftovers(directory) == [Self.journalName])
        #expect(FaultInjectionTests.hasJournalMark(file))

        // The disk is still full: recover says so, and changes nothing.
        let failed = try Self.strace(
            Self.failingFrom(plan.fileWrites, on: file, "ENOSPC"), ["recover", file])
        #expect(failed.status == 4, "\(failed.stderrText)")
        #expect(Self.errors(failed).count == 1 && failed.stderrText.contains("No space left on device"))
        #expect(try Self.leftovers(directory) == [Self.journalName])

        let recovered = try htpass(["recover", file])
        #expect(recovered.status == 0, "\(recovered.stderrText)")
        #expect(recovered.stderrText == "htpass: note: Finished the interrupted edit of '\(file)'\n")
        #expect(try TestSupport.readBytes(file) == plan.new)
        #expect(try Self.leftovers(directory).isEmpty)
        #expect(!FaultInjectionTests.hasJournalMark(file))
        let again = try htpass(["recover", file])
        #expect(again.status == 0 && again.stderrText.isEmpty, "\(again.stderrText)")
        let listed = try htpass(["list", file])
        #expect(lines(listed.stdoutText) == ["alice", "bob", "carol", "dave"])
    }

    @Test(
        "An edit that finds an earlier in-place edit it cannot finish changes nothing and says so; recover on a missing file is status 4"
    )
    func earlierEditNotFinished() throws {
        let plan = try Self.plan()
        let (directory, file, output) = try Self.addWithFileUnwritable("htpass-inplace-earlier", plan: plan)
        try #require(output.status == 4, "\(output.stderrText)")
        let journal = try TestSupport.readBytes(directory + "/" + Self.journalName)
        // The next edit must finish that one first, and cannot: the file still cannot be written.
        let next = try Self.strace(
            Self.failingFrom(plan.fileWrites, on: file, "EIO"), ["delete", file, "bob"])
        #expect(next.status == 4)
        let message = Self.errors(next).first ?? ""
        #expect(Self.errors(next).count == 1, "\(next.stderrText)")
        #expect(message.contains("could not be finished"), "\(message)")
        #expect(message.contains("so nothing was changed"), "\(message)")
        #expect(message.contains("htpass recover"), "\(message)")
        #expect(try TestSupport.readBytes(directory + "/" + Self.journalName) == journal)

        let missing = try htpass(["recover", directory + "/absent"])
        #expect(missing.status == 4, "\(missing.stderrText)")
        #expect(missing.stderrText.contains("absent"), "\(missing.stderrText)")
    }

    @Test(
        "The directory's sync fails right after the commit point: status 4, the file untouched until the next run finishes the edit"
    )
    func directorySyncFailsAfterCommit() throws {
        let plan = try Self.plan()
        // The journal's name must be durable before the file is written: the directory is synced in between.
        let sync = try #require(plan.directorySyncs.first, "the directory is never synced after the commit point")
        let firstWrite = try #require(plan.fileWrites.first)
        #expect(sync.index < firstWrite.index, "the file is written before the directory is synced")
        let (directory, file) = try Self.prepare("htpass-inplace-dirsync")
        let output = try Self.add(file, strace: Self.failing(sync, "EIO"))
        #expect(output.status == 4)
        let message = Self.errors(output).first ?? ""
        #expect(Self.errors(output).count == 1, "\(output.stderrText)")
        #expect(message.contains("is complete in its journal") && message.contains("Input/output error"), "\(message)")
        #expect(try TestSupport.readBytes(file) == Self.oldContent)
        #expect(try Self.leftovers(directory) == [Self.journalName])

        let listed = try htpass(["list", file])
        #expect(listed.status == 0, "\(listed.stderrText)")
        #expect(try TestSupport.readBytes(file) == plan.new)
        #expect(try Self.leftovers(directory).isEmpty)
        #expect(!FaultInjectionTests.hasJournalMark(file))
    }

    @Test("A failure before the commit point leaves no mark on the file, so no other view of it must wait")
    func failureBeforeCommitRemovesMark() throws {
        let plan = try Self.plan()
        let journal = plan.commit.file
        // The commit itself, the journal's last write and its sync before it.
        let lastWrite = try #require(plan.timeline.lastWrite(of: journal, before: plan.commit.index))
        let sync = try #require(
            plan.timeline.sync(of: journal, after: lastWrite.index, before: plan.commit.index),
            "the journal is not synced before the commit point")
        for (call, injection) in [(plan.commit.call, "EIO"), (lastWrite.call, "ENOSPC"), (sync.call, "EIO")] {
            let (directory, file) = try Self.prepare("htpass-inplace-precommit")
            let output = try Self.add(file, strace: Self.failing(call, injection))
            #expect(output.status == 4, "\(call): \(output.stderrText)")
            #expect(Self.errors(output).count == 1, "\(call): \(output.stderrText)")
            #expect(try TestSupport.readBytes(file) == Self.oldContent, "\(call)")
            #expect(try Self.leftovers(directory).isEmpty, "\(call)")
            // Right after the failed command, before any other run.
            #expect(!FaultInjectionTests.hasJournalMark(file), "\(call): the mark is left")
        }
    }

    @Test("No room for the new content: the edit fails before marking the file, which stays as it was")
    func reserveFails() throws {
        let plan = try Self.plan()
        // The room the new content needs is reserved in the file before anything is marked or committed.
        let reserve = try #require(
            plan.trace.calls.first {
                $0.name == "fallocate" && !$0.failed && $0.paths.contains(plan.file) && $0.index < plan.commit.index
            }, "the edit does not reserve room in the file before its commit point")
        let (directory, file) = try Self.prepare("htpass-inplace-reserve")
        let output = try Self.add(file, strace: Self.failing(reserve, "ENOSPC"))
        #expect(output.status == 4)
        let message = Self.errors(output).first ?? ""
        #expect(message.contains("'\(file)'") && message.contains("No space left on device"), "\(output.stderrText)")
        #expect(try TestSupport.readBytes(file) == Self.oldContent)
        #expect(try Self.leftovers(directory).isEmpty)
        #expect(!FaultInjectionTests.hasJournalMark(file))
    }

    @Test(
        "copy_file_range that copies nothing (some file systems) is copied another way, by rename and in place",
        arguments: ["rename", "in-place"])
    func copyFileRangeCopiesNothing(mode: String) throws {
        let plan = try Self.plan(mode: mode)
        let (directory, file) = try Self.prepare("htpass-cfr-zero")
        let output = try Self.add(
            file, mode: mode, strace: ["-e", "trace=copy_file_range", "-e", "inject=copy_file_range:retval=0"])
        #expect(output.status == 0 && Self.errors(output).isEmpty, "\(output.stderrText)")
        #expect(try TestSupport.readBytes(file) == plan.new)
        #expect(try Self.leftovers(directory).isEmpty)
    }

    @Test("By rename, the directory's sync fails after the rename: the new file is in place, status 0")
    func renameDirectorySyncFails() throws {
        let plan = try Self.plan(mode: "rename")
        let sync = try #require(plan.directorySyncs.first, "the directory is never synced after the rename")
        let (directory, file) = try Self.prepare("htpass-rename-dirsync")
        let output = try Self.add(file, mode: "rename", strace: Self.failing(sync, "EIO"))
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(output.stderrText.contains("warning: The edit of"), "\(output.stderrText)")
        #expect(output.stderrText.contains("a power cut may still undo it"), "\(output.stderrText)")
        #expect(try TestSupport.readBytes(file) == plan.new)
        #expect(try Self.leftovers(directory).isEmpty)
    }
}

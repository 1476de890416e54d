import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Durability as a power cut sees it, not only SIGKILL. A killed process leaves its writes in the page
/// cache, where the next run finds them; a power cut keeps only what was synced, in the order it was
/// synced. Without device-mapper (no dm-flakey, no dm-log-writes) a power cut cannot be simulated here,
/// so these tests check the order of the calls a power cut depends on, from a trace of the edit
/// (``FileTimeline``: which file — inode, not name — each write, sync, rename and link was about):
///
/// - by rename (and when a new file is created): the new file is written and synced before it is
///   renamed (or linked) to the file's name, never written after, and the directory is synced after that
///   and before the command exits 0. The old file is never written.
/// - in place: the journal is written and synced before it gets its journal name (the commit point) and
///   never written after; the file is not written before the commit point; the directory is synced after
///   it and before the file is first written; the file is synced after its last write, and only then is
///   the journal removed.
///
/// The trace names no call plan: any open, rename or link may be used, by path or through a directory's
/// descriptor, and any number of temporary files with any names.
@Suite("Durability: the order of writes, syncs and renames a power cut depends on (strace)")
struct DurabilityTests {
    /// What the trace must show: the calls that open, duplicate, close, name and unname files, and the
    /// ones whose order matters.
    static let tracedCalls = [
        "write", "pwrite64", "pwritev", "pwritev2", "writev", "fsync", "fdatasync", "syncfs",
        "rename", "renameat", "renameat2", "link", "linkat", "unlink", "unlinkat",
        "open", "openat", "creat", "close", "dup", "dup2", "dup3", "fcntl",
        "copy_file_range", "sendfile", "ftruncate", "fallocate",
    ].joined(separator: ",")

    /// An edit, with what it writes.
    enum Edit: String, CaseIterable, Sendable, CustomStringConvertible {
        case add, delete
        /// `add --create` on a missing file.
        case create

        func arguments(_ file: String, mode: String) -> [String] {
            switch self {
            case .add, .create:
                ["add", file, "dave", "--password-env", "PW", "-a", "sha1", "--write-mode", mode]
                    + (self == .create ? ["--create"] : [])
            case .delete: ["delete", file, "bob", "--write-mode", mode]
            }
        }

        var description: String { rawValue }
    }

    /// A traced edit: its directory and file, how it ended, and its timeline.
    struct TracedEdit {
        var directory: String
        var file: String
        var output: TestSupport.Output
        var timeline: FileTimeline
    }

    /// A call, for messages.
    static func describe(_ event: FileTimeline.Event?) -> String { event.map { "'\($0.call.line)'" } ?? "none" }

    static func trace(_ edit: Edit, mode: String) throws -> TracedEdit {
        let directory = try FaultInjectionTests.canonical(try TestSupport.temporaryDirectory("htpass-durability"))
        let file = directory + "/users"
        if edit != .create {
            try TestSupport.writeBytes(FaultInjectionTests.oldContent, to: file)
            chmod(file, 0o640)
        }
        let log = directory + ".log"
        let output = try TestSupport.spawn(
            try TestSupport.locate("strace"),
            (["-f", "-qq", "-y", "-s", "4096", "-o", log, "-e", "trace=" + tracedCalls, "--", TestSupport.htpassBinary]
                + edit.arguments(file, mode: mode)).map { Array($0.utf8) },
            environment: ["PW": "dave-pw"])
        let trace = try SyscallTrace(log: log)
        let existing = edit == .create ? [directory] : [directory, file]
        return TracedEdit(
            directory: directory, file: file, output: output, timeline: FileTimeline(trace, existing: existing))
    }

    /// What an edit by rename (or a new file) of `file` in `directory` does out of the order a power cut
    /// needs; empty when none.
    static func renameViolations(_ timeline: FileTimeline, directory: String, file: String) -> [String] {
        var problems: [String] = []
        guard let commit = timeline.firstNaming(file) else {
            return ["nothing was renamed or linked to the file's name"]
        }
        let new = commit.file
        guard let lastWrite = timeline.lastWrite(of: new, before: commit.index) else {
            return ["the new file was not written before \(describe(commit)) named it"]
        }
        if timeline.sync(of: new, after: lastWrite.index, before: commit.index) == nil {
            problems.append(
                "the new file's last write \(describe(lastWrite)) is not followed by a sync of that file before "
                    + "\(describe(commit)) puts it in place: a power cut can leave the name on an empty or short file"
            )
        }
        if let late = timeline.events(of: new).first(where: { $0.kind == .write && $0.index > commit.index }) {
            problems.append("the new file is written after it was put in place: \(describe(late))")
        }
        if let old = timeline.existing[file],
            let written = timeline.events(of: old).first(where: { $0.kind == .write })
        {
            problems.append("the old file is written: \(describe(written))")
        }
        if timeline.sync(of: timeline.existing[directory]!, after: commit.index) == nil {
            problems.append(
                "the directory is not synced after \(describe(commit)): a power cut can undo the rename after exit 0"
            )
        }
        return problems
    }

    /// What an in-place edit of `file` in `directory` does out of the order a power cut needs; empty when none.
    static func inPlaceViolations(_ timeline: FileTimeline, directory: String, file: String) -> [String] {
        var problems: [String] = []
        let journalPath = directory + "/" + FaultInjectionTests.journalName
        guard let commit = timeline.firstNaming(journalPath) else {
            return ["nothing was renamed or linked to the journal's name"]
        }
        let journal = commit.file
        let original = timeline.existing[file]!

        // 1. The journal, complete and durable when it gets its name.
        if let lastWrite = timeline.lastWrite(of: journal, before: commit.index) {
            if timeline.sync(of: journal, after: lastWrite.index, before: commit.index) == nil {
                problems.append(
                    "the journal's last write \(describe(lastWrite)) is not followed by a sync of the journal "
                        + "before \(describe(commit)) commits it: a power cut can leave a torn journal under its name"
                )
            }
        } else {
            problems.append("the journal was not written before \(describe(commit)) named it")
        }
        if let late = timeline.events(of: journal).first(where: { $0.kind == .write && $0.index > commit.index }) {
            problems.append("the journal is written after its commit point: \(describe(late))")
        }

        // 2. The file untouched until the journal's name is durable.
        let fileWrites = timeline.events(of: original).filter { $0.kind == .write }
        if let early = fileWrites.first(where: { $0.index < commit.index }) {
            problems.append("the file is written before the journal is committed: \(describe(early))")
        }
        guard let firstWrite = fileWrites.first(where: { $0.index > commit.index }), let lastWrite = fileWrites.last
        else {
            problems.append("the file is never written after the commit point")
            return problems
        }
        if timeline.sync(of: timeline.existing[directory]!, after: commit.index, before: firstWrite.index) == nil {
            problems.append(
                "the directory is not synced between \(describe(commit)) and the file's first write "
                    + "\(describe(firstWrite)): a power cut can lose the journal's name with the file half written"
            )
        }

        // 3. The file durable before its journal goes.
        let fileSync = timeline.sync(of: original, after: lastWrite.index)
        if fileSync == nil {
            problems.append("the file's last write \(describe(lastWrite)) is not followed by a sync of the file")
        }
        // The journal's name goes (the file may have others: the temporary name it was linked from).
        let removal = timeline.events(of: journal).first { $0.kind == .unnamed(journalPath) }
        if let removal, removal.index < (fileSync?.index ?? Int.max) {
            problems.append(
                "the journal is removed \(describe(removal)) before the file is synced: a power cut can lose both")
        }
        if removal == nil { problems.append("the journal is never removed") }
        return problems
    }

    static func expectWritten(_ edit: TracedEdit, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(edit.output.status == 0, "\(edit.output.stderrText)", sourceLocation: sourceLocation)
        let names = try FaultInjectionTests.names(edit.directory)
        #expect(names == ["users"], "left \(names)", sourceLocation: sourceLocation)
    }

    @Test(
        "By rename (and a new file): written and synced before it takes the file's name, the directory synced after",
        arguments: Edit.allCases)
    func byRename(edit: Edit) throws {
        let traced = try Self.trace(edit, mode: "rename")
        try Self.expectWritten(traced)
        let problems = Self.renameViolations(traced.timeline, directory: traced.directory, file: traced.file)
        #expect(problems.isEmpty, "\(edit) by rename:\n\(problems.joined(separator: "\n"))")
    }

    @Test(
        "In place: the journal synced before its name, the directory before the file's first write, the file after its last",
        arguments: [Edit.add, .delete])
    func inPlace(edit: Edit) throws {
        let traced = try Self.trace(edit, mode: "in-place")
        try Self.expectWritten(traced)
        let problems = Self.inPlaceViolations(traced.timeline, directory: traced.directory, file: traced.file)
        #expect(problems.isEmpty, "\(edit) in place:\n\(problems.joined(separator: "\n"))")
    }

    // MARK: The checks themselves

    /// An edit by rename as a storage layer working through descriptors may make it: an `openat` walk, an
    /// OFD lock, an `O_TMPFILE` file linked under a random name, renamed over the file; a write that
    /// another thread's call interrupts in the log.
    static let descriptorEdit = """
        7 openat(AT_FDCWD</w>, "/", O_RDONLY|O_CLOEXEC|O_PATH|O_DIRECTORY) = 3</>
        7 openat(3</>, "d", O_RDONLY|O_CLOEXEC|O_PATH|O_DIRECTORY|O_NOFOLLOW) = 4</d>
        7 close(3</>) = 0
        7 openat(4</d>, "users", O_RDWR|O_CLOEXEC|O_NOFOLLOW) = 5</d/users>
        7 fcntl(5</d/users>, F_OFD_SETLKW, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=0}) = 0
        7 read(5</d/users>, "alice:x\\n", 4096) = 8
        7 openat(4</d>, ".", O_RDWR|O_CLOEXEC|O_TMPFILE, 0600) = 6</d/#99>(deleted)
        7 write(6</d/#99>(deleted), "alice:x\\nbob:y\\n", 14 <unfinished ...>
        8 fsync(9</elsewhere>) = 0
        7 <... write resumed>) = 14
        7 fsync(6</d/#99>(deleted)) = 0
        7 linkat(6</d/#99>(deleted), "", 4</d>, ".users.htpass-tmp.Ab3x", AT_EMPTY_PATH) = 0
        7 renameat2(4</d>, ".users.htpass-tmp.Ab3x", 4</d>, "users", 0) = 0
        7 fsync(4</d>) = 0
        7 close(6</d/users>) = 0
        7 close(5</d/users>(deleted)) = 0
        7 +++ exited with 0 +++
        """

    @Test("The checks follow files through descriptors, O_TMPFILE, links and renames, and catch a missing sync")
    func checksFollowFiles() throws {
        let trace = try SyscallTrace(text: Self.descriptorEdit)
        #expect(trace.calls.count == 15)
        let write = try #require(trace.calls.first { $0.name == "write" })
        #expect(write.result == "14" && write.thread == "7")
        #expect(trace.calls.filter { $0.name == "fsync" }.map(\.occurrence) == [1, 1, 2])
        #expect(trace.calls(touching: "/d").count == 12)
        let tmpfile = try #require(trace.calls.first { $0.line.contains("O_TMPFILE") })
        #expect(tmpfile.signature(in: "/d") == "openat(DIR, DIR/.)")
        #expect(
            trace.calls.first { $0.name == "linkat" }?.signature(in: "/d")
                == "linkat(DIR/#*, DIR, DIR/#*, DIR/.users.htpass-tmp*)")
        let timeline = FileTimeline(trace, existing: ["/d", "/d/users"])
        #expect(Self.renameViolations(timeline, directory: "/d", file: "/d/users").isEmpty)
        #expect(timeline.firstNaming("/d/users")?.call.name == "renameat2")

        // Without the temporary file's sync, or without the directory's, the check says so.
        for missing in ["7 fsync(6</d/#99>(deleted)) = 0\n", "7 fsync(4</d>) = 0\n"] {
            let unsynced = try SyscallTrace(text: Self.descriptorEdit.replacingOccurrences(of: missing, with: ""))
            let problems = Self.renameViolations(
                FileTimeline(unsynced, existing: ["/d", "/d/users"]), directory: "/d", file: "/d/users")
            #expect(problems.count == 1, "without \(missing): \(problems)")
        }
    }
}

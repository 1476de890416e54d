import Foundation
import Glibc
import HtpasswdCore
import SystemPackage
import TestSupport
import Testing

/// The journal mark (`user.htpass.journal`) as anyone who may write the file can set it, and what readers
/// do around an in-place edit: which mark may be cleared, which journal may be used, what a reader waits
/// for, blocks and writes. Marks and journals are made by hand (`setfattr`, a header written as the store
/// writes it), so that each state is exact; StoreTool, a real process, reads and edits. Runs as root (CI
/// does): some checks read as `nobody`.
///
/// What readers do is asserted as other processes see it (an edit that does not have to wait, a file and
/// a directory left as they were, what the reader prints), never by counting or naming the reader's calls:
/// how an edit locks (a directory, the file, `flock` or an OFD lock) is the store's business.
@Suite("The journal mark: who may clear it, which journal is used, what readers wait for", .serialized)
struct JournalSafetyTests {
    static let markName = "user.htpass.journal"
    static let content = Array(
        "alice:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\nbob:{SHA}Zu+OQTq7q8D8kRt1CqqJaMTaTHQ=\n".utf8)

    /// A directory with `htpasswd` holding ``content``; the directory and the file's path.
    static func setUp(_ label: String) throws -> (directory: String, file: String) {
        let directory = try TestSupport.temporaryDirectory(label)
        let file = directory + "/htpasswd"
        try TestSupport.writeBytes(content, to: file)
        chmod(file, 0o644)
        return (directory, file)
    }

    /// The mount namespace of this process, as the mark records it.
    static func ownNamespace() throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt").filter(\.isNumber)
    }

    static func setMark(_ value: String, on file: String) throws {
        let result = try TestSupport.run(try TestSupport.locate("setfattr"), ["-n", markName, "-v", value, file])
        try #require(result.status == 0, "setfattr: \(result.stderrText)")
    }

    /// A journal as the store writes it: a 256-byte header for the file `file`, then `content`.
    static func journal(for file: String, token: String, content: [UInt8], marked: Bool = true) throws -> [UInt8] {
        let info = try StoreSupport.status(file)
        var header = Array(
            "htpass-journal 2 \(info.st_dev) \(info.st_ino) \(content.count) 0 \(marked ? 1 : 0) \(token)".utf8)
        header += [UInt8](repeating: UInt8(ascii: " "), count: 255 - header.count)
        header.append(0x0A)
        return header + content
    }

    /// `(device, inode)` of `path`.
    static func identity(_ path: String) throws -> (UInt64, UInt64) {
        let info = try StoreSupport.status(path)
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// StoreTool under `timeout`: a hang fails the test instead of stopping the run.
    static func storeTool(_ arguments: [String], environment: [String: String?] = [:]) throws -> TestSupport.Output {
        try TestSupport.run(
            try TestSupport.locate("timeout"), ["20", try StoreSupport.requireStoreTool()] + arguments,
            environment: environment)
    }

    // MARK: Which mark may be cleared

    @Test(
        "A committed mark whose journal is absent is cleared only when it surely names this directory (v2 by the directory's device and inode, v1 by the namespace); a pending one always"
    )
    func clearingTheMark() throws {
        let namespace = try Self.ownNamespace()
        let (directory, file) = try Self.setUp("htpass-mark-clear")
        let journal = directory + "/.htpasswd.htpass-journal"
        let (device, inode) = try Self.identity(directory)
        let store = HtpasswdStore(path: file)
        var changes = HtpasswdChanges()
        changes.remove("bob")

        // The same path, but another directory (a container mounting the file at the host's path): the
        // journal may be there, out of reach. The file stays as it is, and so does the mark.
        for mark in [
            "v2 committed \(namespace) \(device) \(inode + 1) 0123456789abcdef \(journal)",
            "v1 1 0123456789abcdef \(journal)",
        ] {
            try Self.setMark(mark, on: file)
            #expect(throws: HtpasswdError.interruptedEditElsewhere(path: FilePath(file), journal: FilePath(journal))) {
                try store.apply(changes)
            }
            #expect(try TestSupport.readBytes(file) == Self.content)
            #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == mark)
            // A reader reads the file as it is, and leaves the mark.
            let read = try Self.storeTool(["read", file])
            #expect(read.status == 0 && read.stdoutText == "2 2 0\n", "\(read.stderrText)")
            #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == mark)
        }

        // This directory, by its identity or (v1) by its path in this namespace: the edit never reached its
        // commit point, so the mark goes and the edit proceeds.
        for mark in [
            "v2 committed \(namespace) \(device) \(inode) 0123456789abcdef \(journal)",
            "v2 committed 1 \(device) \(inode) 0123456789abcdef /elsewhere/.htpasswd.htpass-journal",
            "v1 \(namespace) 0123456789abcdef \(journal)",
            // Pending: the file was not written under it, wherever its journal is.
            "v2 pending 1 \(device) \(inode + 1) 0123456789abcdef /elsewhere/.htpasswd.htpass-journal",
        ] {
            try TestSupport.writeBytes(Self.content, to: file)
            try Self.setMark(mark, on: file)
            let report = try store.apply(changes)
            #expect(report.outcome.removed == [Array("bob".utf8)], "\(mark)")
            #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == nil, "\(mark)")
        }
    }

    @Test(
        "A mark naming this directory by identity under another path (the directory mounted elsewhere): its journal here is rolled forward"
    )
    func journalUnderAnotherPath() throws {
        let (directory, file) = try Self.setUp("htpass-mark-other-path")
        let (device, inode) = try Self.identity(directory)
        let new = Array("alice:{SHA}4vCGRwEY+OgIlyZo0bMv0IkxE1E=\n".utf8)
        try TestSupport.writeBytes(
            try Self.journal(for: file, token: "00aa11bb22cc33dd", content: new),
            to: directory + "/.htpasswd.htpass-journal")
        // As the container wrote it: its own path for the same directory.
        try Self.setMark(
            "v2 committed 1 \(device) \(inode) 00aa11bb22cc33dd /nonexistent-htpass-test/.htpasswd.htpass-journal",
            on: file)
        let read = try Self.storeTool(["cat", file])
        #expect(read.status == 0, "\(read.stderrText)")
        #expect(read.stdout == new)
        #expect(try TestSupport.readBytes(file) == new)
        #expect(try StoreSupport.leftovers(in: directory).isEmpty)
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == nil)
    }

    // MARK: Which journal may be used

    @Test("A FIFO where the mark's journal would be, or under the journal's own name: nobody hangs")
    func fifoJournals() throws {
        let namespace = try Self.ownNamespace()
        let (directory, file) = try Self.setUp("htpass-mark-fifo")
        let elsewhere = directory + "/elsewhere"
        mkdir(elsewhere, 0o755)
        let fifo = elsewhere + "/.htpasswd.htpass-journal"
        #expect(mkfifo(fifo, 0o666) == 0)
        try Self.setMark("v1 \(namespace) 0123456789abcdef \(fifo)", on: file)
        // A reader reads the file; an edit refuses: the journal may be there, but this is no journal.
        let read = try Self.storeTool(["read", file])
        #expect(read.status == 0 && read.stdoutText == "2 2 0\n", "status \(read.status): \(read.stderrText)")
        let add = try Self.storeTool(["add", file, "carol", StoreSupport.apr1Hash])
        #expect(add.status == 1 && add.stderrText.contains("interruptedEditElsewhere"), "\(add.stderrText)")
        #expect(try TestSupport.readBytes(file) == Self.content)
        #expect(access(fifo, F_OK) == 0)

        // A FIFO under the file's own journal name, no mark: not a journal, removed by the next run.
        let removed = try TestSupport.run("/usr/bin/setfattr", ["-x", Self.markName, file])
        #expect(removed.status == 0)
        let own = directory + "/.htpasswd.htpass-journal"
        #expect(mkfifo(own, 0o666) == 0)
        let again = try Self.storeTool(["read", file])
        #expect(again.status == 0 && again.stdoutText == "2 2 0\n", "status \(again.status): \(again.stderrText)")
        #expect(access(own, F_OK) != 0)
    }

    @Test(
        "A mark naming a journal in another directory, whoever owns it: never looked at, edits refuse, readers read the file"
    )
    func foreignJournal() throws {
        try #require(geteuid() == 0, "needs root: the journal belongs to nobody or root, the file to root")
        let namespace = try Self.ownNamespace()
        let (directory, file) = try Self.setUp("htpass-mark-foreign")
        let elsewhere = directory + "/elsewhere"
        mkdir(elsewhere, 0o777)
        let planted = elsewhere + "/.htpasswd.htpass-journal"
        let chosen = Array("mallory:{SHA}Zu+OQTq7q8D8kRt1CqqJaMTaTHQ=\n".utf8)
        try TestSupport.writeBytes(try Self.journal(for: file, token: "feedfacefeedface", content: chosen), to: planted)
        try Self.setMark("v1 \(namespace) feedfacefeedface \(planted)", on: file)
        // Owned by nobody, then by root: a journal is believed only in the file's own directory.
        for owner: uid_t in [65534, 0] {
            chown(planted, owner, owner)
            let add = try Self.storeTool(["add", file, "carol", StoreSupport.apr1Hash])
            #expect(add.status == 1 && add.stderrText.contains("interruptedEditElsewhere"), "\(add.stderrText)")
            let read = try Self.storeTool(["cat", file])
            #expect(read.status == 0 && read.stdout == Self.content, "\(read.stderrText)")
            #expect(try TestSupport.readBytes(file) == Self.content)
            #expect(access(planted, F_OK) == 0)
        }
    }

    @Test(
        "A journal next to the file from a user other than root, the caller and the file's owner: neither written over the file nor removed, edits refuse, also when the file's mode lets that user's group write it; the owner's is rolled forward"
    )
    func plantedJournalNextToTheFile() throws {
        try #require(geteuid() == 0, "needs root: the journal belongs to nobody, the file to root")
        let (directory, file) = try Self.setUp("htpass-planted-journal")
        let planted = directory + "/.htpasswd.htpass-journal"
        let chosen = Array("mallory:{SHA}Zu+OQTq7q8D8kRt1CqqJaMTaTHQ=\n".utf8)
        // Mode 0644, then 0664 with nobody's group, then 0666: never nobody's journal to use.
        for (group, mode): (gid_t, mode_t) in [(0, 0o644), (65534, 0o664), (0, 0o666)] {
            try TestSupport.writeBytes(
                try Self.journal(for: file, token: "feedfacefeedface", content: chosen, marked: false), to: planted)
            chown(planted, 65534, 65534)
            chown(file, 0, group)
            chmod(file, mode)
            let read = try Self.storeTool(["cat", file])
            #expect(read.status == 0 && read.stdout == Self.content, "\(read.stderrText)")
            #expect(try TestSupport.readBytes(file) == Self.content)
            #expect(access(planted, F_OK) == 0, "the journal was removed")
            let add = try Self.storeTool(["add", file, "carol", StoreSupport.apr1Hash])
            #expect(add.status == 1 && add.stderrText.contains("untrustedJournal"), "\(add.stderrText)")
            #expect(try TestSupport.readBytes(file) == Self.content)
            #expect(access(planted, F_OK) == 0)
        }

        // The file's owner's (here root's) journal is one: rolled forward by the next run, and removed.
        chown(planted, 0, 0)
        let finished = try Self.storeTool(["cat", file])
        #expect(finished.status == 0 && finished.stdout == chosen, "\(finished.stderrText)")
        #expect(access(planted, F_OK) != 0)
    }

    @Test("A mark this version cannot read (a later version's): edits refuse and change nothing; readers read the file")
    func unknownMark() throws {
        let (_, file) = try Self.setUp("htpass-unknown-mark")
        let mark = "v3 something a later htpass writes"
        try Self.setMark(mark, on: file)
        var changes = HtpasswdChanges()
        changes.remove("bob")
        #expect(
            throws: HtpasswdError.fileSystem(
                .systemCallFailed(.readAttribute, path: FilePath(file), errno: .badMessage))
        ) { try HtpasswdStore(path: file).apply(changes) }
        #expect(try TestSupport.readBytes(file) == Self.content)
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == mark)
        let read = try Self.storeTool(["cat", file])
        #expect(read.status == 0 && read.stdout == Self.content, "\(read.stderrText)")
    }

    // MARK: What readers wait for, block and write

    /// StoreTool `arguments` as a process of its own under strace with `options` (as `nobody` if
    /// `asNobody`), its stdout to the file `output`; the strace process.
    static func startTraced(
        _ options: [String], _ arguments: [String], output: String, asNobody: Bool = false
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestSupport.locate("strace"))
        let user = asNobody ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        process.arguments =
            ["-f", "-qq", "-o", "/dev/null"] + options + user + [try StoreSupport.requireStoreTool()] + arguments
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// StoreTool as strace (`tracer`) runs it, once it runs: a child of strace whose executable is
    /// StoreTool (strace forks other children of its own to probe the kernel at start-up).
    static func tracee(of tracer: pid_t) throws -> pid_t? {
        let tool = URL(fileURLWithPath: try StoreSupport.requireStoreTool()).resolvingSymlinksInPath().path
        for _ in 0..<1000 {
            let text = (try? String(contentsOfFile: "/proc/\(tracer)/task/\(tracer)/children", encoding: .utf8)) ?? ""
            for pid in text.split(separator: " ").compactMap({ pid_t($0) })
            where (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) == tool {
                return pid
            }
            usleep(5_000)
        }
        return nil
    }

    /// The paths of `pid`'s descriptors (/proc/PID/fd), by descriptor.
    static func openFiles(of pid: pid_t) -> [String: String] {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        var files: [String: String] = [:]
        for fd in descriptors {
            files[fd] = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")
        }
        return files
    }

    /// The offsets of `pid`'s descriptors open on `path` (/proc/PID/fd, /proc/PID/fdinfo); empty if none.
    static func offsets(of pid: pid_t, openOn path: String) -> [Int] {
        openFiles(of: pid).compactMap { fd, target in
            guard target == path,
                let info = try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(fd)", encoding: .utf8),
                let line = info.split(separator: "\n").first(where: { $0.hasPrefix("pos:") })
            else { return nil }
            return Int(line.dropFirst(4).trimmingCharacters(in: .whitespaces))
        }
    }

    /// Waits until `condition` holds, checking every 5 ms for up to `seconds`; whether it held.
    static func wait(upTo seconds: Double, for condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    /// The names a writer killed at its commit point leaves next to the file, however the store names its
    /// temporary files: a real edit by rename of a file in a directory of its own, killed (SIGKILL) at its
    /// first rename, which for an existing file is the one that would put the new file in place (a link
    /// cannot replace a file).
    static func deadWritersNames() throws -> [String] {
        let (directory, file) = try Self.setUp("htpass-dead-writer")
        let calls = "rename,renameat,renameat2"
        let killed = try TestSupport.run(
            try TestSupport.locate("strace"),
            [
                "-f", "-qq", "-o", "/dev/null", "-e", "trace=\(calls)", "-e", "inject=\(calls):signal=KILL:when=1",
                try StoreSupport.requireStoreTool(), "add", file, "carol", StoreSupport.apr1Hash,
            ], environment: ["STORETOOL_WRITE_MODE": "rename"])
        try #require(killed.status == 128 + SIGKILL, "the edit was not killed: \(killed.stderrText)")
        #expect(try TestSupport.readBytes(file) == Self.content)
        return try StoreSupport.listing(directory).filter { $0 != "htpasswd" }
    }

    @Test(
        "A reader neither waits for an edit in progress nor removes a temporary file that may be its; once no edit runs, a dead writer's goes"
    )
    func readerAndTemporaryFile() throws {
        let names = try Self.deadWritersNames()
        try #require(!names.isEmpty && names.allSatisfy { $0.contains("htpass-tmp") }, "a killed edit left \(names)")
        let (directory, file) = try Self.setUp("htpass-reader-temp")
        // A live edit holds the file, with whatever locks the store takes.
        let holder = try StoreSupport.Holder(["hold-edit", file, "60"])
        defer { holder.kill() }
        try #require(holder.waitFor("locked"))
        // Half-written files under a temporary file's names appear: they may be that edit's.
        for name in names { try TestSupport.writeBytes(Array("half".utf8), to: directory + "/" + name) }
        let started = Date()
        let output = try Self.storeTool(["read", file], environment: ["STORETOOL_LOCK_TIMEOUT": "2"])
        let seconds = Date().timeIntervalSince(started)
        #expect(output.status == 0 && output.stdoutText == "2 2 0\n", "\(output.stderrText)")
        #expect(seconds < 2, "the reader took \(seconds) s: it waited for the edit")
        for name in names {
            #expect(access(directory + "/" + name, F_OK) == 0, "\(name) was removed under a live edit")
        }

        // No edit runs: the files are a dead writer's. The next reader, or at the latest the next run that
        // finishes interrupted edits (what every edit and `htpass recover` do first), removes them.
        holder.kill()
        let again = try Self.storeTool(["read", file])
        #expect(again.status == 0 && again.stdoutText == "2 2 0\n", "\(again.stderrText)")
        try HtpasswdStore(path: file).finishInterruptedEdit()
        #expect(try StoreSupport.leftovers(in: directory).isEmpty)
        #expect(try TestSupport.readBytes(file) == Self.content)
    }

    @Test(
        "A reader that may not write the file reads it past an edit it cannot finish, writes nothing and never blocks an edit; one that may write clears the stale mark"
    )
    func readOnlyReader() throws {
        try #require(geteuid() == 0, "needs root to read as nobody")
        let namespace = try Self.ownNamespace()
        let (directory, file) = try Self.setUp("htpass-reader-readonly")
        chmod(directory, 0o755)
        // A mark only a writer here could clear: its journal is absent.
        let mark = "v1 \(namespace) 0123456789abcdef \(directory)/.htpasswd.htpass-journal"
        try Self.setMark(mark, on: file)
        let fileBefore = try StoreSupport.status(file)
        let directoryBefore = try StoreSupport.status(directory)

        // It reads the file as it is, and leaves the file, its mark and the directory as they were (a
        // change of an attribute or of a name would move their change times).
        let read = try TestSupport.run(
            "/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", try StoreSupport.requireStoreTool(), "read", file])
        #expect(read.status == 0 && read.stdoutText == "2 2 0\n", "\(read.stderrText)")
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == mark)
        #expect(try TestSupport.readBytes(file) == Self.content)
        let fileAfter = try StoreSupport.status(file)
        let directoryAfter = try StoreSupport.status(directory)
        #expect(
            fileAfter.st_ctim.tv_sec == fileBefore.st_ctim.tv_sec
                && fileAfter.st_ctim.tv_nsec == fileBefore.st_ctim.tv_nsec, "the file was changed")
        #expect(
            directoryAfter.st_mtim.tv_sec == directoryBefore.st_mtim.tv_sec
                && directoryAfter.st_mtim.tv_nsec == directoryBefore.st_mtim.tv_nsec, "the directory was changed")
        #expect(try StoreSupport.listing(directory) == ["htpasswd"])

        // While it is inside a read of the file (each read held back 1 s), an edit goes ahead: the reader
        // holds nothing an edit waits for (the edit gives up after 1 s, before the reader is done).
        let output = directory + ".out"
        let reader = try Self.startTraced(
            [
                "-P", file, "-e", "trace=read,pread64,readv,preadv", "-e",
                "inject=read,pread64,readv,preadv:delay_enter=1000000",
            ],
            ["read", file], output: output, asNobody: true)
        defer { if reader.isRunning { reader.terminate() } }
        let tracee = try #require(try Self.tracee(of: reader.processIdentifier), "StoreTool never ran")
        try #require(
            Self.wait(upTo: 10) { !Self.offsets(of: tracee, openOn: file).isEmpty },
            "the reader (\(tracee)) never opened \(file): \(Self.openFiles(of: tracee))")
        let edit = try Self.storeTool(
            ["add", file, "carol", StoreSupport.apr1Hash], environment: ["STORETOOL_LOCK_TIMEOUT": "1"])
        #expect(edit.status == 0, "the edit waited for a read-only reader: \(edit.stderrText)")
        reader.waitUntilExit()
        let printed = String(decoding: try TestSupport.readBytes(output), as: UTF8.self)
        #expect(
            reader.terminationStatus == 0 && ["2 2 0\n", "3 3 0\n"].contains(printed), "the reader printed \(printed)")

        // Root may write the file: its read clears the mark of an edit that never reached its commit point.
        try TestSupport.writeBytes(Self.content, to: file)
        try Self.setMark(mark, on: file)
        let rootRead = try Self.storeTool(["read", file])
        #expect(rootRead.status == 0 && rootRead.stdoutText == "2 2 0\n", "\(rootRead.stderrText)")
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == nil)
    }

    // MARK: A read that an in-place write overtakes

    /// Runs StoreTool `command` on `file` under strace, every read of the file held back by 0.7 s, and
    /// writes `new` over `file` in place (as an in-place edit does) once the tool has read part of it:
    /// once a descriptor it has open on the file has moved past its start, that is between two of its reads.
    /// `overtaken` says whether that moment came (a reader that reads with `pread` does not move its
    /// descriptor: the write then comes after 5 s, or when the tool is done).
    static func readOvertaken(_ command: String, _ file: String, new: [UInt8]) throws -> (
        status: Int32, stdout: [UInt8], overtaken: Bool
    ) {
        let output = try TestSupport.temporaryDirectory("htpass-overtaken") + "/out"
        let reader = try Self.startTraced(
            [
                "-P", file, "-e", "trace=read,pread64,readv,preadv", "-e",
                "inject=read,pread64,readv,preadv:delay_enter=700000",
            ],
            [command, file], output: output)
        defer { if reader.isRunning { reader.terminate() } }
        let tracee = try #require(try Self.tracee(of: reader.processIdentifier), "StoreTool never ran")
        let overtaken = Self.wait(upTo: 5) { Self.offsets(of: tracee, openOn: file).contains { $0 > 0 } }
        let fd = open(file, O_WRONLY)
        try #require(fd >= 0)
        new.withUnsafeBytes { _ = pwrite(fd, $0.baseAddress, $0.count, 0) }
        close(fd)
        reader.waitUntilExit()
        return (reader.terminationStatus, try TestSupport.readBytes(output), overtaken)
    }

    @Test(
        "A read overtaken by an in-place write between two of its reads gives the old file or the new one, never a mix")
    func readOvertakenByInPlaceWrite() throws {
        let (_, file) = try Self.setUp("htpass-read-overtaken")
        let new =
            Array("alice:{SHA}4vCGRwEY+OgIlyZo0bMv0IkxE1E=\n".utf8) + Self.content.dropFirst(44)
            + Array("carol:{SHA}sjZBDBORGt8y2e5bbwa3hqRY2Yo=\n".utf8)
        try #require(new.count > Self.content.count && !new.starts(with: Self.content.prefix(10)))
        // Reading on from where the old file ended would give old bytes, then the new file's tail.
        let output = try Self.readOvertaken("cat", file, new: new)
        #expect(output.overtaken, "the write did not land between two reads of \(file)")
        #expect(output.status == 0)
        #expect(
            output.stdout == new || output.stdout == Self.content,
            "\(String(decoding: output.stdout, as: UTF8.self).debugDescription)")
    }

    @Test("A scan overtaken by an in-place write: observingChanges says so")
    func scanOvertakenByInPlaceWrite() throws {
        let (_, file) = try Self.setUp("htpass-scan-overtaken")
        let new = Self.content + Array("carol:{SHA}sjZBDBORGt8y2e5bbwa3hqRY2Yo=\n".utf8)
        let output = try Self.readOvertaken("scan", file, new: new)
        #expect(output.overtaken, "the write did not land between two reads of the file")
        #expect(output.status == 0)
        let text = String(decoding: output.stdout, as: UTF8.self)
        #expect(text.hasSuffix(" changed\n"), "\(text)")
        let quiet = try Self.storeTool(["scan", file])
        #expect(quiet.stdoutText == "3 \(new.count) unchanged\n")
    }
}

import Foundation
import Glibc
import HtpasswdCore
import SystemPackage
import TestSupport
import Testing

/// The journal mark (`user.htpass.journal`) as anyone who may write the file can set it, and what readers
/// do around an in-place edit: which mark may be cleared, which journal may be used, what a reader waits
/// for and locks. Marks and journals are made by hand (`setfattr`, a header written as the store writes
/// it), so that each state is exact; StoreTool, a real process, reads and edits. Runs as root (CI does):
/// some checks read as `nobody`.
@Suite("The journal mark: who may clear it, which journal is used, what readers lock", .serialized)
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

    /// The `flock` calls that take a lock StoreTool makes for `arguments` (strace), with its output.
    static func flockCalls(
        _ arguments: [String], asNobody: Bool = false, environment: [String: String?] = [:]
    ) throws -> (calls: Int, output: TestSupport.Output) {
        let log = try TestSupport.temporaryDirectory("htpass-flock-trace") + "/log"
        var command = [try TestSupport.locate("strace"), "-f", "-qq", "-o", log, "-e", "trace=flock"]
        if asNobody { command += ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] }
        let output = try TestSupport.run(
            command[0], Array(command.dropFirst()) + [try StoreSupport.requireStoreTool()] + arguments,
            environment: environment)
        let trace = String(decoding: try TestSupport.readBytes(log), as: UTF8.self)
        return (trace.split(separator: "\n").filter { $0.contains("flock(") && $0.contains("LOCK_EX") }.count, output)
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
        "A journal in another directory owned by another user, though its header matches: not written over the file, not removed"
    )
    func foreignJournal() throws {
        try #require(geteuid() == 0, "needs root: the journal belongs to nobody, the file to root")
        let namespace = try Self.ownNamespace()
        let (directory, file) = try Self.setUp("htpass-mark-foreign")
        let elsewhere = directory + "/elsewhere"
        mkdir(elsewhere, 0o777)
        let planted = elsewhere + "/.htpasswd.htpass-journal"
        let chosen = Array("mallory:{SHA}Zu+OQTq7q8D8kRt1CqqJaMTaTHQ=\n".utf8)
        try TestSupport.writeBytes(try Self.journal(for: file, token: "feedfacefeedface", content: chosen), to: planted)
        chown(planted, 65534, 65534)
        try Self.setMark("v1 \(namespace) feedfacefeedface \(planted)", on: file)

        let add = try Self.storeTool(["add", file, "carol", StoreSupport.apr1Hash])
        #expect(add.status == 1 && add.stderrText.contains("untrustedJournal"), "\(add.stderrText)")
        let read = try Self.storeTool(["cat", file])
        #expect(read.status == 0 && read.stdout == Self.content, "\(read.stderrText)")
        #expect(try TestSupport.readBytes(file) == Self.content)
        #expect(access(planted, F_OK) == 0)

        // The same journal owned by root (the file's owner) is one: rolled forward, removed.
        chown(planted, 0, 0)
        let finished = try Self.storeTool(["cat", file])
        #expect(finished.status == 0 && finished.stdout == chosen, "\(finished.stderrText)")
        #expect(access(planted, F_OK) != 0)
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == nil)
    }

    @Test(
        "A journal next to the file from a user who may not write it: neither written over the file nor removed, edits refuse; one of a user of the file's group that may write it is rolled forward"
    )
    func plantedJournalNextToTheFile() throws {
        try #require(geteuid() == 0, "needs root: the journal belongs to nobody, the file to root")
        let passwd = String(decoding: try TestSupport.readBytes("/etc/passwd"), as: UTF8.self)
        try #require(passwd.contains(":65534:65534:"), "nobody (65534, group 65534) is not in /etc/passwd")
        let (directory, file) = try Self.setUp("htpass-planted-journal")
        let planted = directory + "/.htpasswd.htpass-journal"
        let chosen = Array("mallory:{SHA}Zu+OQTq7q8D8kRt1CqqJaMTaTHQ=\n".utf8)
        try TestSupport.writeBytes(
            try Self.journal(for: file, token: "feedfacefeedface", content: chosen, marked: false), to: planted)
        chown(planted, 65534, 65534)
        // Mode 0644, owner root: nobody may not write the file.
        let read = try Self.storeTool(["cat", file])
        #expect(read.status == 0 && read.stdout == Self.content, "\(read.stderrText)")
        #expect(try TestSupport.readBytes(file) == Self.content)
        #expect(access(planted, F_OK) == 0, "the journal was removed")
        let add = try Self.storeTool(["add", file, "carol", StoreSupport.apr1Hash])
        #expect(add.status == 1 && add.stderrText.contains("untrustedJournal"), "\(add.stderrText)")
        #expect(try TestSupport.readBytes(file) == Self.content)
        #expect(access(planted, F_OK) == 0)

        // Group-writable by nobody's group: nobody may write the file, so its journal is one.
        try TestSupport.writeBytes(
            try Self.journal(for: file, token: "feedfacefeedface", content: chosen, marked: false), to: planted)
        chown(planted, 65534, 65534)
        chown(file, 0, 65534)
        chmod(file, 0o664)
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
            throws: HtpasswdError.system(.readAttribute, path: FilePath(file), errno: .badMessage)
        ) { try HtpasswdStore(path: file).apply(changes) }
        #expect(try TestSupport.readBytes(file) == Self.content)
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == mark)
        let read = try Self.storeTool(["cat", file])
        #expect(read.status == 0 && read.stdout == Self.content, "\(read.stderrText)")
    }

    // MARK: What readers lock

    @Test("A reader does not wait for the lock because of a temporary file: a live writer's stays, a dead one's goes")
    func readerAndTemporaryFile() throws {
        let (directory, file) = try Self.setUp("htpass-reader-temp")
        let temporary = directory + "/.htpasswd.htpass-tmp"
        try TestSupport.writeBytes(Array("half".utf8), to: temporary)
        let holder = try StoreSupport.Holder(["hold-lock", directory, "60"])
        defer { holder.kill() }
        try #require(holder.waitFor("locked"))
        // One try at the lock, without waiting; the temporary file may be the holder's: it stays.
        let (calls, output) = try Self.flockCalls(["read", file], environment: ["STORETOOL_LOCK_TIMEOUT": "2"])
        #expect(output.status == 0 && output.stdoutText == "2 2 0\n", "\(output.stderrText)")
        #expect(calls <= 1, "\(calls) flock calls")
        #expect(access(temporary, F_OK) == 0)
        // No edit holds the lock: the temporary file is a dead writer's, and the reader removes it.
        holder.kill()
        let again = try Self.storeTool(["read", file])
        #expect(again.status == 0)
        #expect(access(temporary, F_OK) != 0)
    }

    @Test("A reader that may not write the file takes no lock for a pending edit it cannot finish, and reads the file")
    func readOnlyReaderTakesNoLock() throws {
        try #require(geteuid() == 0, "needs root to read as nobody")
        let namespace = try Self.ownNamespace()
        let (directory, file) = try Self.setUp("htpass-reader-readonly")
        chmod(directory, 0o755)
        // A mark only a writer here could clear.
        let mark = "v1 \(namespace) 0123456789abcdef \(directory)/.htpasswd.htpass-journal"
        try Self.setMark(mark, on: file)
        let (calls, output) = try Self.flockCalls(["read", file], asNobody: true)
        #expect(output.status == 0 && output.stdoutText == "2 2 0\n", "\(output.stderrText)")
        #expect(calls == 0, "\(calls) flock calls")
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == mark)
        // Root may write it: it clears the mark.
        let (rootCalls, rootOutput) = try Self.flockCalls(["read", file])
        #expect(rootOutput.status == 0)
        #expect(rootCalls == 2, "\(rootCalls) flock calls: the directory, then the file")
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == nil)
    }

    // MARK: A read that an in-place write overtakes

    /// Runs StoreTool `command` on `file` under strace with the `read` number `when` on the file delayed by
    /// 1.5 s, and in that pause rewrites `file` in place to `new` (longer, its first line changed).
    static func readOvertaken(_ command: String, _ file: String, when: Int, new: [UInt8]) throws -> (
        status: Int32, stdout: [UInt8]
    ) {
        let log = try TestSupport.temporaryDirectory("htpass-overtaken") + "/out"
        let strace = try TestSupport.locate("strace")
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: strace)
        reader.arguments = [
            "-qq", "-o", "/dev/null", "-P", file, "-e", "trace=read", "-e",
            "inject=read:delay_enter=1500000:when=\(when)", try StoreSupport.requireStoreTool(), command, file,
        ]
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        reader.standardOutput = output
        reader.standardError = FileHandle.nullDevice
        try reader.run()
        // Well inside the pause: rewrite the file in place, as an in-place edit does.
        usleep(500_000)
        let fd = open(file, O_WRONLY)
        try #require(fd >= 0)
        new.withUnsafeBytes { _ = pwrite(fd, $0.baseAddress, $0.count, 0) }
        close(fd)
        reader.waitUntilExit()
        try output.close()
        return (reader.terminationStatus, try TestSupport.readBytes(log))
    }

    @Test("read() overtaken by an in-place write between two reads reads again: the new file, never a mix")
    func readOvertakenByInPlaceWrite() throws {
        let (_, file) = try Self.setUp("htpass-read-overtaken")
        let new =
            Array("alice:{SHA}4vCGRwEY+OgIlyZo0bMv0IkxE1E=\n".utf8) + Self.content.dropFirst(44)
            + Array("carol:{SHA}sjZBDBORGt8y2e5bbwa3hqRY2Yo=\n".utf8)
        try #require(new.count > Self.content.count && !new.starts(with: Self.content.prefix(10)))
        // The first read returns the old file whole; the second, delayed, finds the file rewritten.
        let output = try Self.readOvertaken("cat", file, when: 2, new: new)
        #expect(output.status == 0)
        #expect(output.stdout == new, "\(String(decoding: output.stdout, as: UTF8.self).debugDescription)")
    }

    @Test("A scan overtaken by an in-place write: observingChanges says so")
    func scanOvertakenByInPlaceWrite() throws {
        let (_, file) = try Self.setUp("htpass-scan-overtaken")
        let new = Self.content + Array("carol:{SHA}sjZBDBORGt8y2e5bbwa3hqRY2Yo=\n".utf8)
        let output = try Self.readOvertaken("scan", file, when: 1, new: new)
        #expect(output.status == 0)
        let text = String(decoding: output.stdout, as: UTF8.self)
        #expect(text.hasSuffix(" changed\n"), "\(text)")
        let quiet = try Self.storeTool(["scan", file])
        #expect(quiet.stdoutText == "3 \(new.count) unchanged\n")
    }
}

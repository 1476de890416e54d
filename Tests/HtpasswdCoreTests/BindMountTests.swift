import Foundation
import Glibc
import HtpasswdCore
import TestSupport
import Testing

/// The store where a rename would not reach every reader: a file bind-mounted alone into another mount
/// namespace (a container), and a file with several hard links. Real processes: StoreTool writers killed
/// with SIGKILL, a reader in another process, and the htpass command as the next run. Needs root.
@Suite("In-place edits: bind mounts and hard links", .serialized)
struct BindMountTests {
    static let users = 20_000
    static let kills = 20
    static let markName = "user.htpass.journal"

    /// The two states a toggling writer moves the file between: `user0`'s hash changes length, so every
    /// edit rewrites the whole file after the first line, and a half-done write is visible as such.
    static func states() -> (old: [UInt8], new: [UInt8]) {
        let old = StoreSupport.generatedFile(users: users)
        let firstLine = old.firstIndex(of: 0x0A)! + 1
        let new = Array("user0:\(longHash)\n".utf8) + old[firstLine...]
        return (old, new)
    }

    /// A bcrypt-shaped hash, longer than ``StoreSupport/apr1Hash``.
    static let longHash = "$2y$04$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"

    @Test(
        "20 SIGKILLs during in-place edits of a 20,000-user file bind-mounted into another namespace: after the next htpass run, the old or the new file, nothing left behind"
    )
    func killedWritersOfBindMountedFile() throws {
        try MountNamespace.requireRoot()
        let began = TestSupport.monotonicNanoseconds()
        let directory = try TestSupport.temporaryDirectory("htpass-bind-crash")
        let host = directory + "/host"
        let container = directory + "/container"
        for path in [host, container] { mkdir(path, 0o755) }
        let path = host + "/htpasswd"
        let journal = host + "/.htpasswd.htpass-journal"
        let (old, new) = Self.states()
        try TestSupport.writeBytes(old, to: path)
        try TestSupport.writeBytes(old, to: directory + "/state-old")
        try TestSupport.writeBytes(new, to: directory + "/state-new")
        let inode = try TestSupport.inode(path)

        // The container: its own root (a tmpfs), the host's file bind-mounted into it alone, read-only.
        let namespace = try MountNamespace(
            privateDirectory: container, binds: [.init(path, at: container + "/htpasswd", readOnly: true)])
        defer { namespace.stop() }
        let view = namespace.view(container + "/htpasswd")
        #expect(try TestSupport.readBytes(view) == old)

        // A web server in the container: reads the file whole, over and over, through its mount.
        let stop = directory + "/stop"
        let readLog = directory + "/reads"
        let reader = try StoreSupport.spawn(
            ["watch", view, stop, directory + "/state-old", directory + "/state-new"], output: readLog)

        var generator = SystemRandomNumberGenerator()
        var phases: [(started: UInt64, killed: UInt64, recovered: UInt64)] = []
        var afterCommit = 0
        var damagedBeforeRecovery = 0
        var markOnly = 0
        var ended = [0, 0]
        for trial in 0..<Self.kills {
            let started = TestSupport.monotonicNanoseconds()
            // In the default mode: the writer must find the bind mount itself, or it renames.
            let writer = try StoreSupport.spawn(
                ["toggle", path, "user0", StoreSupport.apr1Hash, Self.longHash], output: directory + "/writer.log")
            func nap(_ nanoseconds: Int) {
                var pause = timespec(tv_sec: nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
                nanosleep(&pause, nil)
            }
            func awaitJournal() {
                var polls = 0
                while access(journal, F_OK) != 0 && polls < 500_000 {
                    polls += 1
                    nap(10_000)
                }
            }
            switch trial % 3 {
            case _ where trial == 0:
                // Many whole edits first, for the reader to race: the transient state of in-place writes.
                nap(1_500_000_000)
            case 0:
                // At a random moment of the edit cycle (an edit takes about 0.3 s in a debug build).
                nap(Int.random(in: 50_000_000...700_000_000, using: &generator))
            case 1:
                // Right after the commit point: as soon as the journal appears.
                awaitJournal()
            default:
                // Soon after it: during the copy over the file, its fsync, or the journal's removal.
                awaitJournal()
                nap(Int.random(in: 0...1_500_000, using: &generator))
            }
            kill(writer, SIGKILL)
            #expect(
                StoreSupport.wait(writer) == 128 + SIGKILL,
                "\((try? String(contentsOfFile: directory + "/writer.log", encoding: .utf8)) ?? "")")
            let killed = TestSupport.monotonicNanoseconds()

            // What the kill left, before anything recovers it.
            let before = try TestSupport.readBytes(path)
            let journaled = try? TestSupport.readBytes(journal)
            let marked = try TestSupport.extendedAttribute(Self.markName, of: path) != nil
            if let journaled {
                afterCommit += 1
                // A journal under its name is complete: the whole new content after its header.
                #expect(
                    Array(journaled.dropFirst(256)) == old || Array(journaled.dropFirst(256)) == new,
                    "trial \(trial): a journal of \(journaled.count) bytes is not a whole state")
            } else if marked {
                markOnly += 1
            }
            if before != old && before != new { damagedBeforeRecovery += 1 }

            // The next htpass run on the file, whatever its command, finishes or clears the edit.
            let next =
                trial.isMultiple(of: 2)
                ? try TestSupport.htpass(["list", path])
                : try TestSupport.htpass(
                    ["verify", path, "user1", "--password-env", "PW"], environment: ["PW": "myPassword"])
            #expect(next.status == 0, "trial \(trial): \(next.stderrText)")
            let recovered = TestSupport.monotonicNanoseconds()
            phases.append((started, killed, recovered))

            let after = try TestSupport.readBytes(path)
            if let journaled {
                #expect(after == Array(journaled.dropFirst(256)), "trial \(trial): not rolled forward")
            } else {
                // Nothing was committed: the file was not touched.
                #expect(after == before, "trial \(trial): changed without a journal")
            }
            if after == old {
                ended[0] += 1
            } else if after == new {
                ended[1] += 1
            } else {
                Issue.record("trial \(trial): a damaged file of \(after.count) bytes after recovery")
                break
            }
            // No journal is left; a temporary file of a writer killed before its commit point may be, until
            // the next edit (below) removes it: readers write nothing of their own.
            #expect(
                try StoreSupport.leftovers(in: host).allSatisfy { $0.contains(".htpass-tmp.") },
                "trial \(trial): \((try? StoreSupport.listing(host)) ?? [])")
            #expect(try TestSupport.extendedAttribute(Self.markName, of: path) == nil, "trial \(trial): mark left")
            #expect(try TestSupport.inode(path) == inode, "trial \(trial): the file was replaced, not written in place")
            #expect(try TestSupport.readBytes(view) == after, "trial \(trial): the container sees other content")
        }
        // An edit's clean-up removes the temporary files of the killed writers.
        let recover = try TestSupport.htpass(["recover", path])
        #expect(recover.status == 0, "\(recover.stderrText)")
        #expect(try StoreSupport.leftovers(in: host).isEmpty, "\((try? StoreSupport.listing(host)) ?? [])")
        // Let the reader see the last recovered file for a moment, then stop it.
        usleep(20_000)
        let finished = TestSupport.monotonicNanoseconds()
        try TestSupport.writeBytes([], to: stop)
        #expect(StoreSupport.wait(reader) == 0)

        // Every read the container made: while a writer ran, between a kill and the next run, or after.
        var reads: [StoreSupport.Read] = []
        var lastState: Int64?
        var changesSeen = 0
        for line in try String(contentsOfFile: readLog, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ").compactMap { Int64($0) }
            try #require(fields.count == 4, "reader: \(line)")
            reads.append(.init(start: UInt64(fields[0]), end: UInt64(fields[1]), whole: fields[2] >= 0))
            if fields[2] >= 0 {
                if let last = lastState, last != fields[2] { changesSeen += 1 }
                lastState = fields[2]
            }
        }
        var afterRecovery = 0
        var damagedAfterRecovery = 0
        var duringWriters: [StoreSupport.Read] = []
        var untilNextRun = 0
        for read in reads {
            // The stable stretches: before the first writer, and from each recovery to the next writer.
            let stable =
                read.end < phases[0].started
                || phases.indices.contains { index in
                    let until = index + 1 < phases.count ? phases[index + 1].started : finished
                    return read.start >= phases[index].recovered && read.end <= until
                }
            if stable {
                afterRecovery += 1
                if !read.whole { damagedAfterRecovery += 1 }
            } else if phases.contains(where: { read.start < $0.killed && read.end > $0.started }) {
                duringWriters.append(read)
            } else if !read.whole {
                untilNextRun += 1
            }
        }
        let episodes = StoreSupport.transientEpisodes(duringWriters)
        let seconds = Double(TestSupport.monotonicNanoseconds() - began) / 1e9
        print(
            "bind-mounted 20k-user file, \(Self.kills) kills in \(String(format: "%.1f", seconds)) s: "
                + "\(afterCommit) after the commit point (rolled forward), \(markOnly) before it (mark cleared), "
                + "\(damagedBeforeRecovery) left a file neither old nor new until the next run; "
                + "ended old \(ended[0]), new \(ended[1]). Container reader: \(reads.count) reads; "
                + "\(afterRecovery) after recovery, \(damagedAfterRecovery) of them mixed; "
                + "\(duringWriters.count) while a writer ran (it saw \(changesSeen) changes between old and new): "
                + "\(StoreSupport.describeEpisodes(episodes)); "
                + "\(untilNextRun) mixed reads between a kill and the end of the next run (its roll-forward "
                + "writes in place too)")
        #expect(afterCommit > 0, "no kill landed after the commit point: the roll-forward was not exercised")
        #expect(afterRecovery > 0)
        #expect(damagedAfterRecovery == 0)
    }

    @Test(
        "40 writers through three hard links in two directories, in the default mode, lose nothing and keep the inode")
    func writersThroughHardLinks() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-links")
        for name in ["a", "b"] { mkdir(directory + "/" + name, 0o755) }
        let names = [directory + "/a/htpasswd", directory + "/a/htpasswd.link", directory + "/b/htpasswd"]
        let original = StoreSupport.generatedFile(users: 1_000, prefix: "old")
        try TestSupport.writeBytes(original, to: names[0])
        for name in names.dropFirst() { #expect(link(names[0], name) == 0) }
        let inode = try TestSupport.inode(names[0])

        let log = directory + "/log"
        let pids = try (0..<40).map { index in
            try StoreSupport.spawn(["add", names[index % 3], "new\(index)", StoreSupport.apr1Hash], output: log)
        }
        let statuses = pids.map { StoreSupport.wait($0) }
        #expect(
            statuses.allSatisfy { $0 == 0 }, "\(statuses): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")"
        )

        let bytes = try TestSupport.readBytes(names[0])
        for name in names {
            #expect(try TestSupport.inode(name) == inode)
            #expect(try TestSupport.readBytes(name) == bytes)
        }
        #expect(try StoreSupport.status(names[0]).st_nlink == 3)
        let users = try #require(StoreSupport.users(in: bytes))
        #expect(bytes.starts(with: original))
        #expect(Set(users.dropFirst(1_000)) == Set((0..<40).map { "new\($0)" }))
        #expect(users.count == 1_040)
        for name in ["a", "b"] { #expect(try StoreSupport.leftovers(in: directory + "/" + name).isEmpty) }
        #expect(try TestSupport.extendedAttribute(Self.markName, of: names[0]) == nil)
    }
}

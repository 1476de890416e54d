import Foundation
import Glibc
import HtpasswdCore
import TestSupport
import Testing

/// Many real processes editing one file at once, and a reader racing them.
@Suite("Concurrent processes", .serialized)
struct ConcurrencyTests {
    static let writers = 40
    static let existing = 200

    @Test(
        "40 processes adding users at once lose nothing, and existing users survive",
        arguments: [("rename", 1), ("rename", 2), ("rename", 3), ("in-place", 1), ("in-place", 2)])
    func parallelAdds(mode: String, round: Int) throws {
        let directory = try TestSupport.temporaryDirectory("htpass-concurrent")
        let path = directory + "/htpasswd"
        let original = StoreSupport.generatedFile(users: Self.existing, prefix: "old")
        try TestSupport.writeBytes(original, to: path)
        // Held open, the original inode cannot be freed and its number reused by a later file.
        let opened = open(path, O_RDONLY)
        defer { close(opened) }

        let log = directory + "/log"
        let pids = try (0..<Self.writers).map { index in
            try StoreSupport.spawn(
                ["add", path, "new\(round)-\(index)", StoreSupport.apr1Hash], output: log, writeMode: mode)
        }
        let statuses = pids.map { StoreSupport.wait($0) }
        #expect(
            statuses.allSatisfy { $0 == 0 }, "\(statuses): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")"
        )

        let bytes = try TestSupport.readBytes(path)
        let users = try #require(StoreSupport.users(in: bytes))
        #expect(users.count == Self.existing + Self.writers)
        #expect(Set(users).count == users.count)
        #expect(Array(users.prefix(Self.existing)) == (0..<Self.existing).map { "old\($0)" })
        #expect(Set(users.dropFirst(Self.existing)) == Set((0..<Self.writers).map { "new\(round)-\($0)" }))
        #expect(bytes.starts(with: original))
        #expect(try StoreSupport.leftovers(in: directory).isEmpty)
        // In place, the file keeps its inode; a rename gives it a new one.
        var held = stat()
        fstat(opened, &held)
        #expect((try TestSupport.inode(path) == UInt64(held.st_ino)) == (mode == "in-place"))
        #expect(try TestSupport.extendedAttribute("user.htpass.journal", of: path) == nil)
    }

    @Test("A reader during 40 parallel edits by rename sees whole files that only grow")
    func readerNeverSeesPartialFile() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-reader")
        let path = directory + "/htpasswd"
        // Large enough that a write takes a while: 10,000 lines, about 500 KB.
        let original = StoreSupport.generatedFile(users: 10_000, prefix: "old")
        try TestSupport.writeBytes(original, to: path)

        let log = directory + "/log"
        let pids = try (0..<Self.writers).map { index in
            // A long lock timeout: this test is about what readers see, and the debug build is slow.
            try StoreSupport.spawn(
                ["add", path, "new\(index)", StoreSupport.apr1Hash], output: log, lockTimeout: 120, writeMode: "rename")
        }
        var reads = 0
        var sizesSeen = Set<Int>()
        var lastCount = 0
        var bad: [String] = []
        var running = Set(pids)
        var statuses: [Int32] = []
        while !running.isEmpty {
            // Read as nginx does, without a lock: open, read everything.
            let bytes = try TestSupport.readBytes(path)
            reads += 1
            sizesSeen.insert(bytes.count)
            // The old users are all there, byte for byte; what follows is whole lines of new users.
            let intact = bytes.count >= original.count && memcmp(bytes, original, original.count) == 0
            if !intact { bad.append("old users damaged in a file of \(bytes.count) bytes") }
            if intact, let added = StoreSupport.users(in: Array(bytes[original.count...])) {
                if !added.allSatisfy({ $0.hasPrefix("new") }) { bad.append("unexpected users \(added)") }
                if added.count < lastCount { bad.append("count fell from \(lastCount) to \(added.count)") }
                lastCount = added.count
            } else {
                bad.append("partial file of \(bytes.count) bytes")
            }
            for pid in running {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    running.remove(pid)
                    statuses.append((status >> 8) & 0xFF)
                }
            }
        }
        #expect(bad.isEmpty, "\(bad.prefix(5))")
        #expect(
            statuses == Array(repeating: 0, count: Self.writers),
            "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let final = try #require(StoreSupport.users(in: TestSupport.readBytes(path)))
        #expect(final.count == 10_000 + Self.writers)
        // The reader saw the file at several sizes, so it really raced the writers.
        #expect(sizesSeen.count > 1)
        print("reader: \(reads) reads, \(sizesSeen.count) distinct sizes, \(bad.count) bad")
    }

    /// In place, a reader may see the file while a writer overwrites it: a mix of old and new for the
    /// instant of the write. Measured here, not forbidden; once the writers are done, every read is whole.
    @Test("A reader during 40 parallel in-place edits: how often and how long it sees a mix; whole files after")
    func readerDuringInPlaceEdits() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-reader-in-place")
        let path = directory + "/htpasswd"
        let original = StoreSupport.generatedFile(users: 10_000, prefix: "old")
        try TestSupport.writeBytes(original, to: path)
        let inode = try TestSupport.inode(path)

        let log = directory + "/log"
        let pids = try (0..<Self.writers).map { index in
            try StoreSupport.spawn(
                ["add", path, "new\(index)", StoreSupport.apr1Hash], output: log, lockTimeout: 120,
                writeMode: "in-place")
        }
        var reads: [StoreSupport.Read] = []
        var sizesSeen = Set<Int>()
        var running = Set(pids)
        var statuses: [Int32] = []
        /// Whole: the old users byte for byte, then whole lines of new users.
        func isWhole(_ bytes: [UInt8]) -> Bool {
            guard bytes.count >= original.count, memcmp(bytes, original, original.count) == 0,
                let added = StoreSupport.users(in: Array(bytes[original.count...]))
            else { return false }
            return added.allSatisfy { $0.hasPrefix("new") }
        }
        while !running.isEmpty {
            let start = TestSupport.monotonicNanoseconds()
            let bytes = try TestSupport.readBytes(path)
            reads.append(.init(start: start, end: TestSupport.monotonicNanoseconds(), whole: isWhole(bytes)))
            sizesSeen.insert(bytes.count)
            for pid in running {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    running.remove(pid)
                    statuses.append((status >> 8) & 0xFF)
                }
            }
        }
        #expect(
            statuses == Array(repeating: 0, count: Self.writers),
            "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        // The writers are done: every read from now on is whole, and all 40 users are there.
        for _ in 0..<20 { #expect(isWhole(try TestSupport.readBytes(path))) }
        let final = try #require(StoreSupport.users(in: TestSupport.readBytes(path)))
        #expect(final.count == 10_000 + Self.writers)
        #expect(try TestSupport.inode(path) == inode)
        #expect(try StoreSupport.leftovers(in: directory).isEmpty)
        #expect(sizesSeen.count > 1)
        print(
            "in-place reader: \(reads.count) reads during 40 appends, \(sizesSeen.count) distinct sizes; "
                + StoreSupport.describeEpisodes(StoreSupport.transientEpisodes(reads)))
    }
}

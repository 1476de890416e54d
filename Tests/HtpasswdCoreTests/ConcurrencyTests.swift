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

    @Test("40 processes adding users at once lose nothing, and existing users survive", arguments: 1...3)
    func parallelAdds(round: Int) throws {
        let directory = try TestSupport.temporaryDirectory("htpass-concurrent")
        let path = directory + "/htpasswd"
        let original = StoreSupport.generatedFile(users: Self.existing, prefix: "old")
        try TestSupport.writeBytes(original, to: path)

        let log = directory + "/log"
        let pids = try (0..<Self.writers).map { index in
            try StoreSupport.spawn(["add", path, "new\(round)-\(index)", StoreSupport.apr1Hash], output: log)
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
        #expect(try StoreSupport.temporaryFiles(in: directory).isEmpty)
    }

    @Test("A reader during 40 parallel edits sees whole files that only grow")
    func readerNeverSeesPartialFile() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-reader")
        let path = directory + "/htpasswd"
        // Large enough that a write takes a while: 10,000 lines, about 500 KB.
        let original = StoreSupport.generatedFile(users: 10_000, prefix: "old")
        try TestSupport.writeBytes(original, to: path)

        let log = directory + "/log"
        let pids = try (0..<Self.writers).map { index in
            // A long lock timeout: this test is about what readers see, and the debug build is slow.
            try StoreSupport.spawn(["add", path, "new\(index)", StoreSupport.apr1Hash], output: log, lockTimeout: 120)
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
}

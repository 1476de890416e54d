import Dispatch
import Glibc
import HtpasswdCore
import Synchronization
import SystemPackage
import Testing

@Suite("Public API: editing and reading a file")
struct EditingAPITests {
    /// Cheap: these tests are about the API, not the cost. (Throws rather than traps: a regression fails the
    /// tests that use it, not the test process.)
    static var hasher: PasswordHasher { get throws { try PasswordHasher(algorithm: .bcrypt, cost: 4) } }

    @Test("HtpasswdChanges + HtpasswdStore.apply: create, add, change, remove; nothing written when nothing changes")
    func applyChanges() throws {
        let scratch = try Scratch()
        let store = HtpasswdStore(path: scratch.path("htpasswd"))
        let alice = try UserName("alice")
        let bob = try UserName("bob")

        var changes = HtpasswdChanges()
        changes.set(try Self.hasher.hash("a"), for: alice)
        changes.set(try Self.hasher.hash("b"), for: bob)
        let created = try store.apply(changes, creation: .createIfMissing, attributes: .init(mode: 0o600))
        #expect(created.outcome.added == [alice, bob])
        #expect(created.write.method == .rename)
        #expect(created.write.created)
        #expect(try #require(status(store.path)).st_mode & 0o777 == 0o600)

        // The same hashes again: nothing to write, the file keeps its inode.
        let inode = try #require(status(store.path)).st_ino
        let again = try store.apply(changes)
        #expect(again.write.method == .none)
        #expect(again.outcome.unchanged == [alice, bob])
        #expect(!again.outcome.changedFile)
        #expect(try #require(status(store.path)).st_ino == inode)

        // Change one, remove the other by name (a String), remove a missing name (reported, not an error).
        var next = HtpasswdChanges()
        let newHash = try Self.hasher.hash("a2")
        next.set(newHash, for: alice)
        next.remove("bob")
        next.remove([0x7A, 0xFF])
        let report = try store.apply(next)
        #expect(report.outcome.changed == [alice])
        #expect(report.outcome.removed == [Array("bob".utf8)])
        #expect(report.outcome.missing == [[0x7A, 0xFF]])
        #expect(try text(of: store.path) == "alice:\(newHash)\n")
        #expect(try store.read().entries.count == 1)
    }

    @Test("The lock timeout is a Duration, 10 seconds unless given")
    func lockTimeout() {
        #expect(HtpasswdStore(path: "/nonexistent/htpasswd").lockTimeout == .seconds(10))
        #expect(HtpasswdStore.defaultLockTimeout == .seconds(10))
        #expect(
            HtpasswdStore(path: "/nonexistent/htpasswd", lockTimeout: .milliseconds(250)).lockTimeout
                == .milliseconds(250))
    }

    @Test("expect(rawHash:) takes an entry's hash as it is; conditions are Expectation values")
    func expectRawHash() throws {
        let file = HtpasswdFile(bytes: Array("alice:not a hash\n".utf8))
        let entry = try #require(file.entry(for: "alice"))
        var changes = HtpasswdChanges()
        changes.expect(rawHash: entry.hash, for: entry.user)
        changes.expect(rawHash: nil, for: "bob")
        #expect(
            changes.expectations == [
                HtpasswdChanges.Expectation(user: Array("alice".utf8), hash: Array("not a hash".utf8)),
                HtpasswdChanges.Expectation(user: Array("bob".utf8), hash: nil),
            ])
    }

    @Test("HtpasswdStore.edit hands over an HtpasswdFile and returns what the closure returns")
    func editInMemory() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        try write("# team\ncarol:{SHA}x\n", to: path)
        let store = HtpasswdStore(path: path)
        let hash = try Self.hasher.hash("pw")
        let edited = try store.edit { file in
            file.setHash(hash, for: try UserName("dave"))
            return file.removeEntries(for: "carol")
        }
        #expect(edited.result == 1)
        #expect(edited.write.method == .rename)
        #expect(try text(of: path) == "# team\ndave:\(hash)\n")

        // An error thrown by the closure leaves the file as it was.
        #expect(throws: UserName.Problem.containsColon) {
            try store.edit { file in file.setHash(hash, for: try UserName("e:f")) }
        }
        #expect(try text(of: path) == "# team\ndave:\(hash)\n")
    }

    @Test("Closures may throw errors of their own: rethrown as they are, and nothing is written")
    func closuresThrowingOtherErrors() throws {
        struct Stop: Error, Equatable {}
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        let store = HtpasswdStore(path: path)
        let hash = try PasswordHash("{SHA}a")
        #expect(throws: Stop()) {
            try store.edit(creation: .createIfMissing) { file in
                file.setHash(hash, for: try UserName("alice"))
                throw Stop()
            }
        }
        #expect(status(path) == nil)
        #expect(scratch.names().isEmpty)

        try write("a:{SHA}a\nb:{SHA}b\nc:{SHA}c\n", to: path)
        var seen = 0
        #expect(throws: Stop()) {
            try store.scan { line in
                seen += 1
                if line.number == 2 { throw Stop() }
            }
        }
        #expect(seen == 2)

        // An existing file stays as it was, and what comes out is the very value thrown, not an HtpasswdError
        // standing in for it, even after the closure changed the file in memory.
        struct Refusal: Error { let reason: String }
        let before = try text(of: path)
        for creation in [HtpasswdStore.Creation.mustExist, .createIfMissing, .replace] {
            do {
                try store.edit(creation: creation) { file in
                    file.removeEntries(for: Array("a".utf8))
                    throw Refusal(reason: "policy")
                }
                Issue.record("edit did not throw")
            } catch let refusal as Refusal {
                #expect(refusal.reason == "policy")
            } catch {
                Issue.record("\(type(of: error)): \(error)")
            }
            #expect(try text(of: path) == before)
        }
        // An HtpasswdError the closure throws is the closure's, and comes out as it is too.
        #expect(throws: HtpasswdError.userNotFound(user: Array("z".utf8))) {
            try store.edit { (_) throws -> Void in throw HtpasswdError.userNotFound(user: Array("z".utf8)) }
        }
        #expect(try text(of: path) == before)

        // The typed variant, for code that wants HtpasswdError and nothing else: write the closure's type.
        // UserName throws its own Problem, so the name is made before.
        let d = try UserName("d")
        let typed = Result { () throws(HtpasswdError) -> Int in
            try store.edit { (file) throws(HtpasswdError) -> Int in
                file.setHash(hash, for: d)
                return file.entries.count
            }.result
        }
        #expect(try typed.get() == 4)
    }

    @Test("Reading: read() holds the file, scan() streams it, both as nginx reads it")
    func readAndScan() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        try write("# c\r\nalice:$2y$04$x:Alice A.\r\n\nno colon here\r\nalice:{SHA}second\r\nbob:{PLAIN}pw", to: path)
        let store = HtpasswdStore(path: path)

        let file = try store.read()
        #expect(file.lineCount == 6)
        #expect(file.entries.map { String(decoding: $0.user, as: UTF8.self) } == ["alice", "alice", "bob"])
        let alice = try #require(file.entry(for: "alice"))
        #expect(alice.lineNumber == 2)
        #expect(String(decoding: alice.hash, as: UTF8.self) == "$2y$04$x")
        #expect(String(decoding: alice.extra, as: UTF8.self) == ":Alice A.")
        #expect(file.malformedLines == [MalformedLine(lineNumber: 4, reason: .noColon)])

        var kinds: [LineKind] = []
        var entries: [Entry] = []
        var users: [String] = []
        var lines: [[UInt8]] = []
        let summary = try store.scan { line in
            kinds.append(line.kind)
            if let entry = line.entry { entries.append(entry) }
            // The bytes lent for a closure, or copied.
            if line.kind == .entry { line.withUser { users.append(String(decoding: $0, as: UTF8.self)) } }
            #expect(line.withHash { $0.count } == line.entry?.hash.count ?? 0)
            lines.append(line.bytes)
            #expect(line.withContent { Array($0) } == line.bytes)
        }
        #expect(users == ["alice", "alice", "bob"])
        #expect(lines[3] == Array("no colon here".utf8))
        #expect(kinds == [.comment, .entry, .blank, .malformed(.noColon), .entry, .entry])
        #expect(entries == file.entries)
        #expect(summary.lines == 6)
        #expect(summary.crlfLines == 4)
        #expect(summary.lfLines == 1)
        #expect(summary.lastTerminator == .none)
        #expect(summary.size == (try contents(of: path)).count)
    }

    @Test("An entry's fields are owned bytes that compare with a string literal")
    func entryFields() throws {
        let text = Array("alice:{SHA}a:Alice A.\n b\u{E9}:{SHA}b\n".utf8)
        let file = HtpasswdFile(bytes: text + [0x66, 0xFF, 0x3A, 0x68])
        let alice = try #require(file.entries.first)
        #expect(alice.user == "alice")
        #expect(alice.user != "bob")
        #expect(alice.hash == "{SHA}a" && alice.extra == ":Alice A.")
        let name = "alice"
        #expect(alice.user == Entry.Field(name))
        #expect(file.entries.first { $0.user == "alice" }?.lineNumber == 1)
        // Owned: indices from 0, the bytes without the rest of the file.
        #expect(alice.user.startIndex == 0 && alice.user.bytes == Array("alice".utf8))
        #expect(alice.hash[0] == UInt8(ascii: "{"))
        #expect(alice.userName == (try UserName("alice")))
        // A name another tool wrote: no UserName, but still its bytes, shown as messages show them.
        let spaced = file.entries[1]
        #expect(spaced.user == " b\u{E9}" && spaced.userName == nil)
        let odd = file.entries[2]
        #expect(odd.user.bytes == [0x66, 0xFF] && odd.user.description == "f\\xFF" && "\(odd.hash)" == "h")
        // What the editing API takes.
        var changes = HtpasswdChanges()
        changes.expect(rawHash: alice.hash, for: alice.user)
        #expect(String(decoding: alice.user, as: UTF8.self) == "alice")
    }

    @Test("The file model is lossless, and an edit ends every line with the file's own line ending")
    func fileModel() throws {
        let original = Array("# c\r\nalice:{SHA}a:extra\r\n  \r\njunk\r\nbob:{SHA}b".utf8)
        var file = HtpasswdFile(bytes: original)
        #expect(file.bytes == original)
        file.setHash(try PasswordHash("{SHA}new"), for: try UserName("carol"))
        // Every untouched line stays; the last line gets its newline; the new line takes CRLF like the others.
        #expect(file.bytes == Array("# c\r\nalice:{SHA}a:extra\r\n  \r\njunk\r\nbob:{SHA}b\r\ncarol:{SHA}new\r\n".utf8))
        // Changing a hash keeps the line's extra field and ending.
        file.setHash(try PasswordHash("{SHA}A"), for: try UserName("alice"))
        #expect(file.entry(for: "alice").map { Array($0.extra) } == Array(":extra".utf8))
        #expect(file.bytes.starts(with: Array("# c\r\nalice:{SHA}A:extra\r\n".utf8)))
    }

    @Test("The store gives the same bytes as the in-memory model")
    func streamedEqualsInMemory() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        let original = Array("# c\nalice:{SHA}a\nalice:{SHA}dup\r\nbob:{SHA}b:x\ncarol:{SHA}c".utf8)
        try write(original, to: path)
        var changes = HtpasswdChanges()
        changes.set(try PasswordHash("{SHA}A"), for: try UserName("alice"))
        changes.set(try PasswordHash("{SHA}D"), for: try UserName("dave"))
        changes.remove("carol")
        var model = HtpasswdFile(bytes: original)
        let modelOutcome = try model.apply(changes)
        let report = try HtpasswdStore(path: path).apply(changes)
        #expect(try contents(of: path) == model.bytes)
        // The same outcome, but for where writing starts: the first differing byte in memory, the start of
        // its line when streamed.
        var streamed = report.outcome
        #expect(streamed.firstChange == 4 && modelOutcome.firstChange == 15)
        streamed.firstChange = modelOutcome.firstChange
        #expect(streamed == modelOutcome)
        #expect(report.outcome.removedDuplicates.map(\.line) == [3])
    }

    @Test("Conditional and strict edits fail whole, with the user in the error")
    func conditions() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        try write("alice:{SHA}a\n", to: path)
        let store = HtpasswdStore(path: path)

        var strict = HtpasswdChanges()
        strict.requiresRemovedUsers = true
        strict.set(try PasswordHash("{SHA}n"), for: try UserName("new"))
        strict.remove([0x62, 0xE9])
        #expect(throws: HtpasswdError.userNotFound(user: [0x62, 0xE9])) { try store.apply(strict) }

        var conditional = HtpasswdChanges()
        conditional.expect(try PasswordHash("{SHA}other"), for: "alice")
        conditional.set(try PasswordHash("{SHA}b"), for: try UserName("alice"))
        #expect(throws: HtpasswdError.changedSinceRead(user: Array("alice".utf8))) { try store.apply(conditional) }

        var absent = HtpasswdChanges()
        absent.expect(nil, for: "alice")
        absent.remove("alice")
        #expect(throws: HtpasswdError.changedSinceRead(user: Array("alice".utf8))) { try store.apply(absent) }
        #expect(try text(of: path) == "alice:{SHA}a\n")

        var exclusive = HtpasswdChanges()
        exclusive.removesUnlisted = true
        exclusive.keep("alice")
        exclusive.set(try PasswordHash("{SHA}z"), for: try UserName("zoe"))
        try write("alice:{SHA}a\nbob:{SHA}b\n", to: path)
        #expect(try store.apply(exclusive).outcome.removed == [Array("bob".utf8)])
        #expect(try text(of: path) == "alice:{SHA}a\nzoe:{SHA}z\n")
    }

    @Test("Creation rules: must exist, must not exist, replace keeps the mode")
    func creation() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        var changes = HtpasswdChanges()
        changes.set(try PasswordHash("{SHA}a"), for: try UserName("alice"))
        let store = HtpasswdStore(path: path)
        #expect(throws: HtpasswdError.fileSystem(FileSystemError(.notFound, path: path))) { try store.apply(changes) }
        #expect(status(path) == nil)
        try store.apply(changes, creation: .mustNotExist)
        #expect(throws: HtpasswdError.fileSystem(FileSystemError(.fileExists, path: path))) {
            try store.apply(changes, creation: .mustNotExist)
        }
        try write("bob:{SHA}b\n", to: path, mode: 0o640)
        chmod(path.string, 0o604)
        try store.apply(changes, creation: .replace)
        #expect(try text(of: path) == "alice:{SHA}a\n")
        #expect(try #require(status(path)).st_mode & 0o777 == 0o604)
    }

    @Test("Rename or in place: the method, the reasons and the placement facts are reported")
    func writeMethods() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        try write("alice:{SHA}a\n", to: path)
        var changes = HtpasswdChanges()
        changes.set(try PasswordHash("{SHA}b"), for: try UserName("bob"))

        let inode = try #require(status(path)).st_ino
        let inPlace = try HtpasswdStore(path: path, writeMode: .inPlace).apply(changes)
        #expect(inPlace.write.method == .inPlace)
        #expect(inPlace.write.inPlaceReasons == [.requested])
        #expect(try #require(status(path)).st_ino == inode)

        // A second name for the file: a rename would cut it off, so `auto` writes in place.
        let other = scratch.path("other-name")
        #expect(link(path.string, other.string) == 0)
        let placement = try HtpasswdStore(path: path).placement()
        #expect(placement.exists && placement.isRegularFile && !placement.isMountPoint)
        #expect(placement.linkCount == 2)
        #expect(placement.inPlaceReasons == [.hardLinks(2)])
        changes.set(try PasswordHash("{SHA}c"), for: try UserName("carol"))
        let auto = try HtpasswdStore(path: path).apply(changes)
        #expect(auto.write.method == .inPlace)
        #expect(auto.write.inPlaceReasons == [.hardLinks(2)])
        #expect(try text(of: other) == "alice:{SHA}a\nbob:{SHA}b\ncarol:{SHA}c\n")

        // `rename` gives the path a new inode; the other name keeps the old content.
        changes.set(try PasswordHash("{SHA}d"), for: try UserName("dave"))
        let renamed = try HtpasswdStore(path: path, writeMode: .rename).apply(changes)
        #expect(renamed.write.method == .rename)
        #expect(try #require(status(path)).st_ino != inode)
        #expect(try text(of: other) == "alice:{SHA}a\nbob:{SHA}b\ncarol:{SHA}c\n")
        // Nothing is left behind: no temporary file, no journal.
        #expect(scratch.names() == [Array("htpasswd".utf8), Array("other-name".utf8)])
        #expect(try HtpasswdStore(path: path).finishInterruptedEdit() == false)
    }

    @Test("Concurrent edits from threads are serialised and none is lost")
    func concurrentEdits() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        try write("", to: path)
        let count = 16
        let hashes = try (0..<count).map { try PasswordHash("{SHA}\($0)") }
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: count) { index in
            do {
                var changes = HtpasswdChanges()
                changes.set(hashes[index], for: try UserName("user\(index)"))
                try HtpasswdStore(path: path).apply(changes)
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let users = Set(try HtpasswdStore(path: path).read().entries.map { String(decoding: $0.user, as: UTF8.self) })
        #expect(users == Set((0..<count).map { "user\($0)" }))
    }
}

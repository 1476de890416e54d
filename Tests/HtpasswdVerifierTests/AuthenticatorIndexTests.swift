import Foundation
import Glibc
import HtpasswdCore
import HtpasswdVerifier
import SystemPackage
import TestSupport
import Testing

/// `AuthenticatorIndex` against `Authenticator` (the file read once for every user, against the file read
/// for each user), and `LiveAuthenticator`'s reloads.
@Suite("AuthenticatorIndex and LiveAuthenticator")
struct AuthenticatorIndexTests {
    /// Every file of Tests/Fixtures/corpus and Tests/Fixtures/files, and files made here for the reading rules.
    static let corpusFiles: [String] = {
        let directories = [TestSupport.fixtures + "/corpus/files", TestSupport.fixtures + "/files"]
        return directories.flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
                $0.hasSuffix(".htpasswd")
            }
            .sorted().map { directory + "/" + $0 }
        }
    }()

    /// Lines that the targets read differently: comments, spaces, duplicates (first, second, third),
    /// missing colons, carriage returns, a long line, a BOM.
    static let ruleLines: [String] = [
        "alice:{PLAIN}one", "bob:{SHA}G5zynyVKZeHPqXetqic75L7ZkrM=", "# carol:{PLAIN}c", "  #dave:{PLAIN}d",
        "alice:{PLAIN}two", " erin:{PLAIN}e", "frank :{PLAIN}f", "grace:{PLAIN}g:extra", "nocolon", "",
        "heidi:{PLAIN}h\r", "alice:{PLAIN}three", "ivan:$apr1$abcdefgh$0123456789012345678901", "\u{FEFF}judy:{PLAIN}j",
        "ken:" + String(repeating: "x", count: 1100), "#", "leo:", ":{PLAIN}empty", "mallory:{PLAIN}m\t",
        "bob:{PLAIN}second-bob",
    ]

    /// Made files: the rule lines in several orders and subsets (seeded), LF and CRLF.
    static func madeFiles() throws -> [String] {
        let directory = try TestSupport.temporaryDirectory("htpass-index-made")
        var generator = IndexTestRandom(seed: 20_261_206)
        var files: [String] = []
        for number in 0..<40 {
            var lines = ruleLines
            lines.shuffle(using: &generator)
            lines = Array(lines.prefix(Int(generator.next() % UInt64(lines.count)) + 1))
            let terminator = number % 3 == 0 ? "\r\n" : "\n"
            var text = lines.joined(separator: terminator)
            if number % 5 != 0 { text += terminator }
            let path = directory + "/made-\(number).htpasswd"
            try TestSupport.writeBytes(Array(text.utf8), to: path)
            files.append(path)
        }
        return files
    }

    /// The user names of a file as bytes, roughly (every prefix before a ':' on a line, trimmed and not),
    /// plus names that are in no file.
    static func userNames(in path: String) throws -> [[UInt8]] {
        let bytes = try TestSupport.readBytes(path)
        var names = Set<[UInt8]>([Array("nobody-here".utf8), [], Array("alice".utf8), Array("bob".utf8)])
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = Array(line[..<colon])
            names.insert(name)
            let trimmed = Array(
                name.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }.reversed()
                    .drop { $0 == 0x20 || $0 == 0x09 }.reversed())
            names.insert(trimmed)
        }
        // Each name costs Authenticator a reading of the file: a large file gets a sample of its names.
        let sorted = names.sorted { $0.lexicographicallyPrecedes($1) }
        let sample = bytes.count > 32 * 1024 ? 8 : 40
        guard sorted.count > sample else { return sorted }
        let step = sorted.count / sample
        return (0..<sample).map { sorted[$0 * step] } + [Array("alice".utf8), Array("nobody-here".utf8), []]
    }

    static func same(_ a: Authenticator.Candidate, _ b: Authenticator.Candidate) -> Bool {
        a.target == b.target && a.entry?.hash == b.entry?.hash && a.entry?.line == b.entry?.line
            && a.refusal?.line == b.refusal?.line && a.refusal?.reason == b.refusal?.reason && a.dummy == b.dummy
    }

    @Test("The index's candidate for every user is Authenticator's, for every file and target")
    func candidatesAgree() throws {
        let files = Self.corpusFiles + (try Self.madeFiles())
        #expect(files.count >= 150, "the corpus should hold over a hundred files; found \(files.count)")
        var compared = 0
        for file in files {
            let names = try Self.userNames(in: file)
            for target in Target.allCases {
                let authenticator = Authenticator(path: file, target: target)
                let index: AuthenticatorIndex
                do {
                    index = try AuthenticatorIndex(path: FilePath(file), target: target)
                } catch {
                    #expect(throws: error) { try authenticator.candidate(for: names[0]) }
                    continue
                }
                for name in names {
                    let expected = try authenticator.candidate(for: name)
                    let actual = index.candidate(for: name)
                    #expect(
                        Self.same(expected, actual),
                        "\(file) as \(target), user \(String(displaying: name)): \(String(describing: expected.entry)) \(String(describing: expected.refusal)) vs \(String(describing: actual.entry)) \(String(describing: actual.refusal))"
                    )
                    compared += 1
                }
            }
        }
        #expect(compared > 3000, "compared \(compared) candidates")
    }

    /// The corpus's cases whose hashes are cheap to compute (no bcrypt above cost 5, no 100,000 rounds, no
    /// yescrypt): decided by both, for every target.
    @Test("The index's decision is Authenticator's for the corpus's cases")
    func decisionsAgree() throws {
        struct Manifest: Decodable {
            struct Case: Decodable {
                var file: String
                var user: String
                var password: String
                var slow: Bool
            }
            var cases: [Case]
        }
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(TestSupport.readBytes(TestSupport.fixtures + "/corpus/manifest.json")))
        let expensive = ["cost1", "cost2", "rounds100000", "yescrypt", "scrypt", "long-bcrypt", "bcrypt-2y-cost10"]
        let cases = manifest.cases.filter { item in !item.slow && !expensive.contains { item.file.contains($0) } }
        #expect(cases.count >= 150, "\(cases.count) cheap cases")
        var decided = 0
        for item in cases {
            let path = TestSupport.fixtures + "/corpus/files/" + item.file
            let user = Array(Data(base64Encoded: item.user)!)
            let password = Array(Data(base64Encoded: item.password)!)
            for target in [Target.nginx, .nginxAlpine, .apache, .lighttpd, .traefik, .envoy] {
                let expected = try Authenticator(path: path, target: target).authenticate(
                    user: user, password: password)
                let actual = try AuthenticatorIndex(path: FilePath(path), target: target)
                    .authenticate(user: user, password: password)
                #expect(expected == actual, "\(item.file) as \(target): \(expected) vs \(actual)")
                decided += 1
            }
        }
        #expect(decided >= 900)
    }

    // MARK: Reloads

    /// A file with alice (password `a-pw`) and bob (`b-pw`), written with `{SHA}` hashes; and a wait until its
    /// stamp is old enough that only a change can make it differ (FileStamp.mayChangeUnseen).
    static func settledFile() throws -> String {
        let directory = try TestSupport.temporaryDirectory("htpass-live")
        let path = directory + "/htpasswd"
        let lines = try ["alice", "bob"].map { user in
            "\(user):"
                + String(
                    decoding: try PasswordHasher(algorithm: .sha1).hash("\(user.prefix(1))-pw").bytes, as: UTF8.self)
        }
        try TestSupport.writeBytes(Array((lines.joined(separator: "\n") + "\n").utf8), to: path)
        usleep(2_100_000)
        return path
    }

    @Test("An unchanged file is read once; a file replaced by rename is read again on the next request")
    func reloadOnRename() throws {
        let path = try Self.settledFile()
        let live = LiveAuthenticator(path: FilePath(path))
        #expect(try live.authenticate(user: Array("alice".utf8), password: Array("a-pw".utf8)) == .granted)
        #expect(try live.authenticate(user: Array("alice".utf8), password: Array("a-pw".utf8)) == .granted)
        #expect(try live.authenticate(user: Array("bob".utf8), password: Array("b-pw".utf8)) == .granted)
        #expect(live.readCount == 1)
        let store = HtpasswdStore(path: FilePath(path), writeMode: .rename)
        let before = try TestSupport.inode(path)
        try store.edit { file in _ = file.removeEntries(for: "alice") }
        #expect(try TestSupport.inode(path) != before)
        #expect(try live.authenticate(user: Array("alice".utf8), password: Array("a-pw".utf8)) == .unknownUser)
        #expect(live.readCount == 2)
    }

    @Test("A file edited in place (same inode, same size) is read again on the next request")
    func reloadOnInPlaceEdit() throws {
        let path = try Self.settledFile()
        let live = LiveAuthenticator(path: FilePath(path))
        #expect(try live.authenticate(user: Array("bob".utf8), password: Array("b-pw".utf8)) == .granted)
        let stamp = try live.currentIndex().stamp
        let inode = try TestSupport.inode(path)
        let size = try TestSupport.readBytes(path).count
        // bob re-keyed to another {SHA} hash: the same length, so the same size.
        let store = HtpasswdStore(path: FilePath(path), writeMode: .inPlace)
        let newHash = try PasswordHasher(algorithm: .sha1).hash("b-new")
        try store.edit { file in _ = file.setHash(newHash, for: try UserName("bob")) }
        #expect(try TestSupport.inode(path) == inode)
        #expect(try TestSupport.readBytes(path).count == size)
        #expect(FileStamp(of: FilePath(path)) != stamp)
        #expect(try live.authenticate(user: Array("bob".utf8), password: Array("b-pw".utf8)) == .wrongPassword)
        #expect(live.readCount == 2)
        // Changed just now: read again on each request until the change is two seconds old.
        #expect(try live.authenticate(user: Array("bob".utf8), password: Array("b-new".utf8)) == .granted)
    }

    @Test("A deleted file is an error on the next request, and a new one is read")
    func reloadOnDelete() throws {
        let path = try Self.settledFile()
        let live = LiveAuthenticator(path: FilePath(path))
        #expect(try live.authenticate(user: Array("alice".utf8), password: Array("a-pw".utf8)) == .granted)
        #expect(unlink(path) == 0)
        #expect(throws: HtpasswdError.fileSystem(FileSystemError(.notFound, path: FilePath(path)))) {
            try live.authenticate(user: Array("alice".utf8), password: Array("a-pw".utf8))
        }
        try TestSupport.writeBytes(Array("carol:{PLAIN}c-pw\n".utf8), to: path)
        #expect(try live.authenticate(user: Array("carol".utf8), password: Array("c-pw".utf8)) == .granted)
        #expect(try live.authenticate(user: Array("alice".utf8), password: Array("a-pw".utf8)) == .unknownUser)
    }

    @Test("The stamp changes with the journal and the mark of a pending in-place edit")
    func stampSeesJournalAndMark() throws {
        let path = try Self.settledFile()
        let directory = String(path[..<path.lastIndex(of: "/")!])
        let clean = FileStamp(of: FilePath(path))
        #expect(clean.journal == nil && clean.mark == nil && clean.problem == nil && clean.kind == .regularFile)
        try TestSupport.writeBytes(Array("journal".utf8), to: directory + "/.htpasswd.htpass-journal")
        let journaled = FileStamp(of: FilePath(path))
        #expect(journaled.journal != nil)
        #expect(journaled != clean)
        #expect(unlink(directory + "/.htpasswd.htpass-journal") == 0)
        let marked = try TestSupport.run("setfattr", ["-n", "user.htpass.journal", "-v", "v2 pending 1 2 3 t p", path])
        #expect(marked.status == 0, "\(marked.stderrText)")
        let withMark = FileStamp(of: FilePath(path))
        #expect(withMark.mark == Array("v2 pending 1 2 3 t p".utf8))
        #expect(withMark != clean)
    }

    @Test("A stamp of a missing file, a directory and an unreadable file says so")
    func stampOfProblems() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-stamp")
        let missing = FileStamp(of: FilePath(directory + "/none"))
        #expect(missing.kind == .none && missing.problem == .noSuchFileOrDirectory)
        #expect(FileStamp(of: FilePath(directory)).kind == .directory)
        // Changed just now: a reading now may miss a change in the same tick of the clock.
        try TestSupport.writeBytes(Array("a:{PLAIN}a\n".utf8), to: directory + "/new")
        #expect(FileStamp(of: FilePath(directory + "/new")).mayChangeUnseen(readAt: .now))
    }

    // MARK: The hashing queue

    @Test("HashingQueue runs work on its executor's threads, within its limits, and refuses past the queue")
    func hashingQueueLimits() async throws {
        let threads = HashingThreads(count: 2)
        defer { threads.shutdown() }
        let queue = HashingQueue(executor: threads, concurrencyLimit: 1, queueLimit: 1)
        #expect(try await queue.run { threads.isCurrentThread })
        #expect(!threads.isCurrentThread)
        let gate = IndexTestGate()
        async let first: Int = queue.run {
            gate.waitUntilOpen()
            return 1
        }
        while queue.runningCount < 1 { try await Task.sleep(for: .milliseconds(5)) }
        async let second: Int = queue.run { 2 }
        while queue.queueLength < 1 { try await Task.sleep(for: .milliseconds(5)) }
        await #expect(throws: HashingQueue.Overloaded(queueLimit: 1)) { try await queue.run { 3 } }
        gate.open()
        #expect(try await first == 1)
        #expect(try await second == 2)
        #expect(queue.queueLength == 0 && queue.runningCount == 0)
    }

    @Test("LiveAuthenticator's async entry point gives the index's decisions")
    func asyncDecisions() async throws {
        let path = try Self.settledFile()
        let threads = HashingThreads(count: 1)
        defer { threads.shutdown() }
        let queue = HashingQueue(executor: threads, concurrencyLimit: 1, queueLimit: 8)
        let live = LiveAuthenticator(path: FilePath(path))
        #expect(try await live.authenticate(user: "alice", password: "a-pw", on: queue) == .granted)
        #expect(try await live.authenticate(user: "alice", password: "b-pw", on: queue) == .wrongPassword)
        #expect(try await live.authenticate(user: "zed", password: "a-pw", on: queue) == .unknownUser)
        #expect(unlink(path) == 0)
        await #expect(
            throws: LiveAuthenticator.Failure.file(.fileSystem(FileSystemError(.notFound, path: FilePath(path))))
        ) {
            try await live.authenticate(user: "alice", password: "a-pw", on: queue)
        }
    }
}

/// A gate a thread waits at until another opens it.
final class IndexTestGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false

    func waitUntilOpen() {
        condition.lock()
        while !isOpen { condition.wait() }
        condition.unlock()
    }

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }
}

/// A small seeded generator, so that the made files are the same every run.
struct IndexTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

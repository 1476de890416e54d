import Glibc
import HtpasswdCore
import HtpasswdVerifier
import SystemPackage
import Testing

@Suite("Public API: typed errors")
struct ErrorAPITests {
    /// A path that is not valid UTF-8, as errors must carry it.
    static let oddPath = FilePath(
        platformString: Array("/srv/caf".utf8).map { CChar(bitPattern: $0) } + [CChar(bitPattern: 0xE9), 0])
    static let oddPathShown = "/srv/caf\\xE9"

    /// Every case, with the facts its description must show. The switch has no `default`: a new case does
    /// not compile until it is listed here.
    static func facts(_ error: HtpasswdError) -> (name: String, facts: [String]) {
        switch error {
        case .fileSystem(let failure):
            (
                "fileSystem",
                [shown(failure.path)] + (failure.systemCall.map { [$0.phrase] } ?? [])
                    + (failure.errno.map { [$0.description] } ?? [])
            )
        case .ownerNotKept(let path, let owner, let group): ("ownerNotKept", [shown(path), "\(owner)", "\(group)"])
        case .lockTimeout(let path, _, let holder):
            ("lockTimeout", [shown(path), "0.5 s"] + (holder.map { ["\($0.processID)", $0.command] } ?? []))
        case .unsafePath(let path, let at, let refusal):
            switch refusal {
            case .protectedSymlink(let link, let directory):
                ("unsafePath", [shown(path), shown(at), "user \(link)", "user \(directory)"])
            case .unsafeTransition(let from, let to):
                ("unsafePath", [shown(path), shown(at), "user \(from)", "user \(to)"])
            }
        case .userNotFound(let user): ("userNotFound", [String(displaying: user)])
        case .interruptedEditElsewhere(let path, let journal):
            ("interruptedEditElsewhere", [shown(path), shown(journal)])
        case .editPending(let path, let journal, let failure):
            ("editPending", [shown(path), shown(journal), failure.description])
        case .interruptedEditNotFinished(let path, let journal, let failure):
            ("interruptedEditNotFinished", [shown(path), shown(journal), failure.description])
        case .untrustedJournal(let path, let journal, let owner):
            ("untrustedJournal", [shown(path), shown(journal), "\(owner)"])
        case .changedSinceRead(let user): ("changedSinceRead", [String(displaying: user)])
        case .invalidUserName(let problem): ("invalidUserName", [problem.description])
        case .invalidPassword(let problem): ("invalidPassword", [problem.description])
        case .invalidHash(let problem): ("invalidHash", [problem.description])
        case .invalidHashParameter(.costOutOfRange(let cost)): ("invalidHashParameter", ["\(cost)", "4", "31"])
        case .invalidHashParameter(.roundsOutOfRange(let rounds)):
            ("invalidHashParameter", ["\(rounds)", "1000", "999999999"])
        case .invalidHashParameter(.notApplicable(let parameter, let algorithm)):
            ("invalidHashParameter", [parameter.rawValue, algorithm.rawValue])
        case .notVerifiable(let target, let refusal): ("notVerifiable", [target.displayName, refusal.description])
        case .hashingFailed(let algorithm, let errno): ("hashingFailed", [algorithm.rawValue, errno.description])
        case .randomFailed(let errno): ("randomFailed", [errno.description])
        }
    }

    static func shown(_ path: FilePath) -> String { String(displaying: path) }

    static let samples: [HtpasswdError] = [
        .fileSystem(FileSystemError(.notFound, path: oddPath)),
        .fileSystem(FileSystemError(.fileExists, path: oddPath)),
        .fileSystem(FileSystemError(.notRegularFile, path: oddPath)),
        .fileSystem(.systemCallFailed(.rename, path: oddPath, errno: .resourceBusy)),
        .fileSystem(.systemCallFailed(.open, path: "/x", errno: .permissionDenied)),
        .ownerNotKept(path: oddPath, owner: 1000, group: 33), .lockTimeout(path: oddPath, seconds: 0.5, holder: nil),
        .lockTimeout(path: oddPath, seconds: 0.5, holder: LockHolder(processID: 4242, command: "vipw")),
        .unsafePath(path: oddPath, at: "/srv/link", refusal: .protectedSymlink(linkOwner: 1000, directoryOwner: 0)),
        .unsafePath(path: oddPath, at: "/home/al", refusal: .unsafeTransition(fromOwner: 1000, toOwner: 0)),
        .userNotFound(user: [0x61, 0xFF]), .interruptedEditElsewhere(path: oddPath, journal: "/srv/.h.htpass-journal"),
        .changedSinceRead(user: Array("alice".utf8)),
        .editPending(
            path: oddPath, journal: "/srv/.h.htpass-journal",
            failure: .systemCallFailed(.write, path: oddPath, errno: .noSpace)),
        .untrustedJournal(path: oddPath, journal: "/srv/.h.htpass-journal", owner: 65534),
        .interruptedEditNotFinished(
            path: oddPath, journal: "/srv/.h.htpass-journal",
            failure: .systemCallFailed(.write, path: oddPath, errno: .ioError)),
        .invalidUserName(.empty), .invalidUserName(.tooLong(length: 300)), .invalidUserName(.containsColon),
        .invalidUserName(.containsControlCharacter(byte: 10)), .invalidUserName(.startsWithHash),
        .invalidUserName(.leadingSpace), .invalidUserName(.trailingSpace),
        .invalidPassword(.tooLong(algorithm: .bcrypt, limit: 72, length: 80)), .invalidPassword(.containsNUL),
        .invalidPassword(.empty),
        .invalidHash(.empty), .invalidHash(.containsColon), .invalidHash(.containsLineBreakOrNUL),
        .invalidHashParameter(.costOutOfRange(40)), .invalidHashParameter(.roundsOutOfRange(12)),
        .invalidHashParameter(.notApplicable(.cost, algorithm: .sha512)),
        .invalidHashParameter(.notApplicable(.rounds, algorithm: .bcrypt)),
        .notVerifiable(by: .nginxAlpine, .format(.yescrypt)),
        .notVerifiable(by: .apache, .bcryptCost(18, limit: 17)),
        .hashingFailed(algorithm: .yescrypt, errno: .invalidArgument), .randomFailed(errno: .ioError),
    ]

    @Test("FileSystemError: a code, the path, the system call, errno and a cause; facts only")
    func fileSystemError() {
        let codes: [FileSystemError.Code] = [.notFound, .fileExists, .notRegularFile, .systemCallFailed]
        #expect(Set(codes).count == codes.count)
        for code in codes {
            let failure = FileSystemError(code, path: Self.oddPath, systemCall: .open, errno: .permissionDenied)
            #expect(failure.description.contains(Self.oddPathShown), "\(code)")
            #expect(!failure.description.contains("--"), "\(code)")
            #expect(!failure.description.contains("htpass"), "\(code)")
            #expect(!failure.description.contains(";"), "\(code): no advice after a semicolon")
            #expect(HtpasswdError.fileSystem(failure).description == failure.description)
        }
        let denied = FileSystemError.systemCallFailed(.rename, path: "/etc/htpasswd", errno: .permissionDenied)
        #expect(denied.code == .systemCallFailed && denied.systemCall == .rename && denied.errno == .permissionDenied)
        #expect(denied.description == "Cannot rename a file over '/etc/htpasswd': Permission denied")
        // The cause explains, and is kept; it does not take part in equality.
        let missing = FileSystemError(.notFound, path: "/srv/h", cause: denied)
        #expect(missing == FileSystemError(.notFound, path: "/srv/h"))
        #expect((missing.cause as? FileSystemError) == denied)
        #expect(missing != FileSystemError(.notFound, path: "/srv/other"))
    }

    @Test("A missing directory on the way: notFound, with the failed look-up as its cause")
    func notFoundCause() throws {
        let scratch = try Scratch()
        let path = scratch.path("missing").appending("htpasswd")
        do throws(HtpasswdError) {
            _ = try HtpasswdStore(path: path).read()
            Issue.record("read a file that is not there")
        } catch .fileSystem(let failure) where failure.code == .notFound {
            #expect(failure.path == path)
            let cause = failure.cause as? FileSystemError
            #expect(cause?.errno == .noSuchFileOrDirectory)
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("Every case carries its facts in one line, and names no command-line option")
    func descriptions() {
        #expect(String(displaying: Self.oddPath) == Self.oddPathShown)
        var covered = Set<String>()
        for error in Self.samples {
            let (name, facts) = Self.facts(error)
            covered.insert(name)
            let description = error.description
            for fact in facts { #expect(description.contains(fact), "\(name): \(description)") }
            #expect(!description.contains("--"), "\(name): \(description)")
            #expect(!description.contains("htpass "), "\(name): \(description)")
            #expect(!description.contains("\n"), "\(name): \(description)")
        }
        #expect(covered.count == 17, "a case of HtpasswdError has no sample: \(covered.sorted())")
    }

    @Test("File errors name the path the caller gave, byte for byte")
    func fileErrors() throws {
        let scratch = try Scratch()
        let odd = scratch.path([0x68, 0xE9])  // "h\xE9"
        #expect(throws: HtpasswdError.fileSystem(FileSystemError(.notFound, path: odd))) {
            try HtpasswdStore(path: odd).read()
        }

        #expect(mkdir(scratch.path("dir").string, 0o755) == 0)
        #expect(throws: HtpasswdError.fileSystem(FileSystemError(.notRegularFile, path: scratch.path("dir")))) {
            try HtpasswdStore(path: scratch.path("dir")).read()
        }

        // A path through a regular file: the system call, the path and errno, to tell apart without text.
        try write("a:{SHA}x\n", to: scratch.path("file"))
        let through = scratch.path("file").appending("htpasswd")
        #expect(throws: HtpasswdError.fileSystem(.systemCallFailed(.open, path: through, errno: .notDirectory))) {
            try HtpasswdStore(path: through).read()
        }

        // A symbolic link to itself.
        let loop = scratch.path("loop")
        #expect(symlink("loop", loop.string) == 0)
        #expect(
            throws: HtpasswdError.fileSystem(
                .systemCallFailed(.readLink, path: loop, errno: .tooManySymbolicLinkLevels))
        ) {
            try HtpasswdStore(path: loop).read()
        }
    }

    @Test("Another writer holding the lock past the timeout: lockTimeout with the path and the seconds")
    func lockTimeout() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        try write("a:{SHA}x\n", to: path)
        // An edit takes a write lock on the file itself; another writer's lock on it conflicts, and a flock
        // on the directory (which anyone may take) does not.
        let directory = open(scratch.directory.string, O_RDONLY | O_DIRECTORY)
        #expect(flock(directory, LOCK_EX) == 0)
        defer { close(directory) }
        let file = open(path.string, O_RDWR)
        defer { close(file) }
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        #expect(fcntl(file, F_SETLK, &request) == 0)
        var changes = HtpasswdChanges()
        changes.remove("a")
        #expect {
            try HtpasswdStore(path: path, lockTimeout: .milliseconds(200)).apply(changes)
        } throws: { error in
            guard case .lockTimeout(path, 0.2, let holder) = error as? HtpasswdError else { return false }
            return holder?.processID == getpid()
        }
        #expect(try text(of: path) == "a:{SHA}x\n")
        // Readers take no lock.
        #expect(try HtpasswdStore(path: path).read().entries.count == 1)
    }

    @Test("A writer who may not give the file back its owner: ownerNotKept, and nothing changed")
    func ownerNotKept() throws {
        // As root, fchown always succeeds; a thread whose file-system uid is not 0 loses that power
        // (setfsuid(2) is per thread, and drops CAP_CHOWN from it), as any other user would.
        try #require(getuid() == 0, "this test plays a non-root writer from root")
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setfsuid") else {
            Issue.record("setfsuid not found in the C library")
            return
        }
        typealias SetFSUID = @convention(c) (UInt32) -> Int32
        let setfsuid = unsafeBitCast(symbol, to: SetFSUID.self)
        let scratch = try Scratch()
        chmod(scratch.directory.string, 0o777)
        let path = scratch.path("htpasswd")
        // Writable by the user: the rename's new copy is what cannot be given back to root.
        try write("a:{SHA}x\n", to: path, mode: 0o666)
        chmod(path.string, 0o666)
        var changes = HtpasswdChanges()
        changes.set(try PasswordHash("{SHA}y"), for: try UserName("b"))
        let store = HtpasswdStore(path: path, writeMode: .rename)
        _ = setfsuid(65534)
        let result = Result { () throws(HtpasswdError) in try store.apply(changes) }
        _ = setfsuid(0)
        #expect(throws: HtpasswdError.ownerNotKept(path: path, owner: 0, group: 0)) { try result.get() }
        #expect(try text(of: path) == "a:{SHA}x\n")
        #expect(scratch.names() == [Array("htpasswd".utf8)])
    }

    @Test("Bad input never traps: invalid hashes and names throw, any bytes parse and verify to an answer")
    func noTrap() throws {
        for bad: [UInt8] in [[], [0x3A], Array("$2y$10$ab:cd".utf8), [0x61, 0x0A], [0x61, 0x0D], [0x61, 0x00]] {
            #expect(throws: PasswordHash.Problem.self) { try PasswordHash(bad) }
            #expect(PasswordHash.problem(with: bad) != nil)
        }
        // Validation throws the validating type's own problem: what is wrong, and nothing else.
        #expect(throws: PasswordHash.Problem.containsColon) { try PasswordHash("user:hash") }
        #expect(throws: PasswordHash.Problem.containsLineBreakOrNUL) { try PasswordHash("a\nb") }
        #expect(throws: UserName.Problem.tooLong(length: 256)) { try UserName(String(repeating: "u", count: 256)) }
        #expect(throws: UserName.Problem.containsControlCharacter(byte: 0x0A)) { try UserName("a\nb") }

        // Odd paths: errors, not traps.
        var changes = HtpasswdChanges()
        changes.set(try PasswordHash("{SHA}a"), for: try UserName("a"))
        for odd: FilePath in ["", "/", ".", "..", "/dev/null"] {
            #expect(throws: HtpasswdError.self, "\(odd)") { try HtpasswdStore(path: odd).apply(changes) }
            #expect(throws: HtpasswdError.self, "\(odd)") { try HtpasswdStore(path: odd).read() }
            #expect(throws: HtpasswdError.self, "\(odd)") {
                try Authenticator(path: odd).authenticate(user: "a", password: "a")
            }
        }

        // Random bytes, from a fixed seed: as a file, as hashes, as passwords.
        var random = SplitMix64(seed: 0x6874_7061_7373)
        let verifier = Verifier()
        for round in 0..<3000 {
            let length = Int(random.next() % 80)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if round % 3 == 0, !bytes.isEmpty {
                // Plausible prefixes, so that the format parsers see their own shapes.
                let prefixes = [
                    "$2y$04$", "$2a$99$", "$6$rounds=", "$5$", "$apr1$", "{SHA}", "{SSHA}", "$y$", "$1$", "_",
                ]
                bytes = Array(prefixes[Int(random.next() % UInt64(prefixes.count))].utf8) + bytes
            }
            let file = HtpasswdFile(bytes: bytes)
            #expect(file.bytes == bytes)
            _ = file.entries
            _ = HashFormat(bytes)
            _ = verifier.verify(bytes.prefix(8), against: bytes)
            if let hash = try? PasswordHash(bytes) { _ = verifier.verify("pw", against: hash) }
            _ = UserName.problem(with: bytes)
        }
    }
}

/// A small seeded generator, so that a failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
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

import HtpasswdCore
import HtpasswdVerifier
import SystemPackage
import Testing

@Suite("Public API: Authenticator and Verifier")
struct AuthenticationAPITests {
    /// Cheap: these tests are about the API, not the cost. (Throws rather than traps: a regression fails the
    /// tests that use it, not the test process.)
    static var hasher: PasswordHasher { get throws { try PasswordHasher(algorithm: .bcrypt, cost: 4) } }

    /// alice (bcrypt), a failure token, a yescrypt entry, a Latin-1 name with a non-UTF-8 password.
    static func makeFile(in scratch: Scratch) throws -> (FilePath, latin1Password: [UInt8]) {
        let path = scratch.path("htpasswd")
        let latin1Password: [UInt8] = [0x70, 0xE4, 0xDF]
        let yescrypt = try PasswordHasher(algorithm: .yescrypt).hash("dave-pw")
        var file = HtpasswdFile()
        file.setHash(try hasher.hash("alice-pw"), for: try UserName("alice"))
        file.setHash(try PasswordHash("*0"), for: try UserName("carol"))
        file.setHash(yescrypt, for: try UserName("dave"))
        file.setHash(try hasher.hash(latin1Password), for: try UserName([0x6A, 0xF6, 0x72, 0x67]))
        try write(file.bytes, to: path)
        return (path, latin1Password)
    }

    @Test("Granted, wrong password, unknown user, unverifiable: the four answers")
    func decisions() throws {
        let scratch = try Scratch()
        let (path, latin1Password) = try Self.makeFile(in: scratch)
        let authenticator = Authenticator(path: path)
        #expect(try authenticator.authenticate(user: "alice", password: "alice-pw") == .granted)
        #expect(try authenticator.authenticate(user: "alice", password: "alice-pW") == .wrongPassword)
        #expect(try authenticator.authenticate(user: "mallory", password: "alice-pw") == .unknownUser)
        #expect(try authenticator.authenticate(user: "Alice", password: "alice-pw") == .unknownUser)
        #expect(
            try authenticator.authenticate(user: "carol", password: "")
                == .unverifiable(line: 2, format: .failureToken))
        #expect(try authenticator.authenticate(user: "dave", password: "dave-pw") == .granted)
        // Names and passwords are bytes: neither needs to be UTF-8.
        #expect(try authenticator.authenticate(user: [0x6A, 0xF6, 0x72, 0x67], password: latin1Password) == .granted)
        #expect(try authenticator.authenticate(user: [0x6A, 0xF6, 0x72, 0x67], password: [0x70]) == .wrongPassword)
        // The String path and the FilePath one are the same file.
        #expect(try Authenticator(path: path.string).authenticate(user: "alice", password: "alice-pw") == .granted)
    }

    @Test("target: the verdict of another server, from its profile")
    func targets() throws {
        let scratch = try Scratch()
        let (path, _) = try Self.makeFile(in: scratch)
        // nginx on Alpine (musl) has no yescrypt.
        #expect(
            try Authenticator(path: path, target: .nginxAlpine).authenticate(user: "dave", password: "dave-pw")
                == .notVerifiable(line: 3, .format(.yescrypt)))
        #expect(
            try Authenticator(path: path, target: .nginxAlpine).authenticate(user: "alice", password: "alice-pw")
                == .granted)
        // Envoy takes `{SHA}` only, and refuses the whole file over one other entry.
        guard
            case .fileRefused(line: 1, .hashNotAccepted(.bcrypt, _, .sha1Base64)) = try Authenticator(
                path: path, target: .envoy
            ).authenticate(user: "alice", password: "alice-pw")
        else {
            Issue.record("Envoy should refuse the file at line 1")
            return
        }

        // A user listed twice: nginx takes the first line, Traefik the last.
        let twice = scratch.path("twice")
        try write("eve:\(try Self.hasher.hash("first"))\neve:\(try Self.hasher.hash("last"))\n", to: twice)
        #expect(try Authenticator(path: twice).authenticate(user: "eve", password: "first") == .granted)
        #expect(try Authenticator(path: twice).authenticate(user: "eve", password: "last") == .wrongPassword)
        #expect(
            try Authenticator(path: twice, target: .traefik).authenticate(user: "eve", password: "last") == .granted)
        #expect(
            try Authenticator(path: twice, target: .traefik).authenticate(user: "eve", password: "first")
                == .wrongPassword)
    }

    @Test("The file is read on every call: an added user gets in, a removed one does not")
    func readsEveryTime() throws {
        let scratch = try Scratch()
        let (path, _) = try Self.makeFile(in: scratch)
        let authenticator = Authenticator(path: path)
        let store = HtpasswdStore(path: path)
        #expect(try authenticator.authenticate(user: "frank", password: "f") == .unknownUser)
        var add = HtpasswdChanges()
        add.set(try Self.hasher.hash("f"), for: try UserName("frank"))
        try store.apply(add)
        #expect(try authenticator.authenticate(user: "frank", password: "f") == .granted)
        var remove = HtpasswdChanges()
        remove.remove("frank")
        try store.apply(remove)
        #expect(try authenticator.authenticate(user: "frank", password: "f") == .unknownUser)
        try write("", to: path)
        #expect(try authenticator.authenticate(user: "alice", password: "alice-pw") == .unknownUser)
    }

    @Test("candidate(for:) reads the file first; the password is checked later")
    func candidate() throws {
        let scratch = try Scratch()
        let (path, _) = try Self.makeFile(in: scratch)
        let authenticator = Authenticator(path: path)
        let alice = try authenticator.candidate(for: "alice")
        #expect(alice.entry?.line == 1)
        #expect(alice.check("alice-pw") == .granted)
        #expect(alice.check(Array("nope".utf8)) == .wrongPassword)
        let nobody = try authenticator.candidate(for: Array("nobody".utf8))
        #expect(nobody.entry == nil)
        #expect(nobody.check("alice-pw") == .unknownUser)
    }

    @Test("A missing file is an error with its path, not a refusal")
    func missingFile() throws {
        let scratch = try Scratch()
        let path = scratch.path("absent")
        #expect(throws: HtpasswdError.fileSystem(FileSystemError(.notFound, path: path))) {
            try Authenticator(path: path).authenticate(user: "alice", password: "pw")
        }
    }

    @Test("Verifier: match, mismatch, unverifiable, and the stand-in for unknown users")
    func verifier() throws {
        let verifier = Verifier()
        #expect(verifier.verify("pw", against: try PasswordHash("{PLAIN}pw")) == .match)
        #expect(verifier.verify("pw", against: try PasswordHash("{SHA}pw")) == .unverifiable(.sha1))
        #expect(verifier.verify("pw", against: try PasswordHash("pw")) == .unverifiable(.unknown))
        #expect(verifier.verify(Array("pw".utf8), against: Array("*0".utf8)) == .unverifiable(.failureToken))
        let file = HtpasswdFile(
            bytes: Array(
                "a:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\nb:$2y$04$abcdefghijklmnopqrstuu5Q0.7Yp2r4T4lHaPnm1LQ1Q9aX7cqy2\nc:$2y$04$abcdefghijklmnopqrstuuAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                    .utf8))
        let dummy = try #require(verifier.timingDummy(in: file))
        #expect(HashFormat(dummy) == .bcrypt(variant: "y", cost: 4))
        #expect(verifier.timingDummy(in: HtpasswdFile(bytes: Array("x:*0\n".utf8))) == nil)
    }
}

import Glibc
import HtpasswdCore
import HtpasswdLint
import HtpasswdReconciler
import HtpasswdVerifier
import SystemPackage
import Testing

@Suite("Public API: FileCheck and Reconciler")
struct LintAndReconcileAPITests {
    /// Cheap: these tests are about the API, not the cost. (Throws rather than traps: a regression fails the
    /// tests that use it, not the test process.)
    static var hasher: PasswordHasher { get throws { try PasswordHasher(algorithm: .bcrypt, cost: 4) } }

    @Test("FileCheck reports what each server would trip on, as typed findings")
    func fileCheck() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        let yescrypt = try PasswordHasher(algorithm: .yescrypt).hash("pw")
        try write(
            "alice:\(yescrypt)\r\nbob:*0\nalice:{SHA}x\nno colon\nzed:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/", to: path)
        chmod(path.string, 0o640)
        var findings: [FileCheck.Finding] = []
        try FileCheck(store: HtpasswdStore(path: path), targets: [.nginxAlpine], checksPath: false).run {
            findings.append($0)
        }
        func has(_ id: FileCheck.FindingID, line: Int?, target: Target? = nil) -> Bool {
            findings.contains { $0.id == id && $0.line == line && $0.target == target }
        }
        #expect(has(.formatNotVerified, line: 1, target: .nginxAlpine))
        #expect(findings.first { $0.id == .formatNotVerified }?.user == Array("alice".utf8))
        #expect(has(.failureToken, line: 2))
        #expect(has(.duplicateUser, line: 3))
        #expect(has(.malformedLine, line: 4))
        #expect(has(.weakFormat, line: 5))
        #expect(has(.crlf, line: nil))
        #expect(has(.missingFinalNewline, line: nil))
        #expect(findings.first { $0.id == .failureToken }?.severity == .error)
        #expect(findings.first { $0.id == .crlf }?.severity == .warning)
    }

    @Test("FileCheck with the path: a missing file and a directory are findings, not errors")
    func fileCheckPath() throws {
        let scratch = try Scratch()
        var findings: [FileCheck.Finding] = []
        try FileCheck(store: HtpasswdStore(path: scratch.path("absent")), targets: [.nginx]).run { findings.append($0) }
        #expect(findings.map(\.id) == [.notFound])
        findings = []
        #expect(mkdir(scratch.path("dir").string, 0o755) == 0)
        try FileCheck(store: HtpasswdStore(path: scratch.path("dir")), targets: [.nginx]).run { findings.append($0) }
        #expect(findings.map(\.id) == [.isDirectory])
        findings = []
        let open = scratch.path("open")
        try write("a:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n", to: open, mode: 0o666)
        chmod(open.string, 0o666)
        try FileCheck(store: HtpasswdStore(path: open), targets: [.nginx]).run { findings.append($0) }
        #expect(findings.contains { $0.id == .worldWritable && $0.severity == .error })
    }

    @Test("Reconciler: one write to the desired state, none when it is there already")
    func reconciler() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        let store = HtpasswdStore(path: path)
        let reconciler = try Reconciler(store: store, hasher: Self.hasher, jobs: 2)
        let alice = try UserName("alice")
        let bob = try UserName("bob")
        let desired = [
            DesiredUser(user: alice, password: "alice-pw"),
            DesiredUser(user: bob, password: Array("bob-pw".utf8)),
        ]
        let first = try reconciler.apply(desired, creation: .createIfMissing)
        #expect(first.added == [alice, bob])
        #expect(first.written)
        let bytesAfterFirst = try contents(of: path)
        #expect(try Authenticator(path: path).authenticate(user: "bob", password: "bob-pw") == .granted)

        // The same state again: the lines verify, nothing is rewritten.
        let second = try reconciler.apply(desired)
        #expect(!second.hasChanges && !second.written)
        #expect(second.unchanged == [alice, bob])
        #expect(try contents(of: path) == bytesAfterFirst)

        // A new password for bob, carol by hash, and everyone else removed.
        try write(bytesAfterFirst + Array("mallory:{SHA}x\n".utf8), to: path)
        var exclusive = reconciler
        exclusive.removesOthers = true
        let carol = try UserName("carol")
        let dryRun = try exclusive.apply(
            [
                DesiredUser(user: alice, password: "alice-pw"), DesiredUser(user: bob, password: "new"),
                DesiredUser(user: carol, hash: try PasswordHash("{SHA}c")),
            ], dryRun: true)
        #expect(dryRun.added == [carol])
        #expect(dryRun.changed == [Reconciler.Result.Change(user: bob, reason: .password)])
        #expect(dryRun.removed == [Array("mallory".utf8)])
        #expect(!dryRun.written)
        let done = try exclusive.apply([
            DesiredUser(user: alice, password: "alice-pw"), DesiredUser(user: bob, password: "new"),
            DesiredUser(user: carol, hash: try PasswordHash("{SHA}c")),
        ])
        #expect(done.written)
        #expect(try store.read().entries.map { String(decoding: $0.user, as: UTF8.self) } == ["alice", "bob", "carol"])
        #expect(try Authenticator(path: path).authenticate(user: "bob", password: "new") == .granted)
    }

    @Test("Reconciler refuses a password the hasher refuses, before touching the file")
    func reconcilerRefuses() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        try write("alice:{SHA}x\n", to: path)
        let reconciler = try Reconciler(store: HtpasswdStore(path: path), hasher: Self.hasher)
        #expect(throws: HtpasswdError.invalidPassword(.containsNUL)) {
            try reconciler.apply([DesiredUser(user: try UserName("alice"), password: [0x61, 0x00])])
        }
        #expect(throws: HtpasswdError.invalidPassword(.empty)) {
            try reconciler.apply([DesiredUser(user: try UserName("alice"), password: [])])
        }
        #expect(throws: DesiredUser.SpecError(line: 0, problem: .invalidPassword(.empty), user: Array("alice".utf8))) {
            try DesiredUser.validate(
                [DesiredUser(user: try UserName("alice"), password: [])], hasher: Self.hasher, targets: [])
        }
        #expect(try text(of: path) == "alice:{SHA}x\n")
        var allowing = try Self.hasher
        allowing.allowsEmptyPassword = true
        let result = try Reconciler(store: HtpasswdStore(path: path), hasher: allowing)
            .apply([DesiredUser(user: try UserName("alice"), password: [])])
        #expect(result.changed == [Reconciler.Result.Change(user: try UserName("alice"), reason: .algorithm)])
    }

    @Test("A user listed twice: validate names it (no line: by name); apply gives it its last credential, in one write")
    func userListedTwice() throws {
        let alice = try UserName("alice")
        let twice = [DesiredUser(user: alice, password: "first"), DesiredUser(user: alice, password: "second")]
        #expect(throws: DesiredUser.SpecError(line: 0, problem: .duplicateUser(firstLine: 0), user: alice.bytes)) {
            try DesiredUser.validate(twice, hasher: Self.hasher, targets: [])
        }
        let hasher = try Self.hasher
        do {
            try DesiredUser.validate(twice, hasher: hasher, targets: [])
        } catch {
            #expect(error.description == "user 'alice': the user is listed more than once")
        }
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        try write("alice:{SHA}x\n", to: path)
        let store = HtpasswdStore(path: path)
        let result = try Reconciler(store: store, hasher: Self.hasher).apply(twice)
        #expect(result.written && result.changed.map(\.user) == [alice])
        #expect(try Authenticator(path: path).authenticate(user: "alice", password: "second") == .granted)
        #expect(try Authenticator(path: path).authenticate(user: "alice", password: "first") == .wrongPassword)
    }

    @Test("Users and hashes by name: HtpasswdChanges.set(_:for: String) and DesiredUser(user: String, ...)")
    func namesAsStrings() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        let hash = try Self.hasher.hash("pw")
        var changes = HtpasswdChanges()
        try changes.set(hash, for: "alice")
        #expect(throws: UserName.Problem.containsColon) { try changes.set(hash, for: "a:b") }
        try HtpasswdStore(path: path).apply(changes, creation: .createIfMissing)
        let desired = [try DesiredUser(user: "alice", password: "pw"), try DesiredUser(user: "bob", hash: hash)]
        #expect(throws: UserName.Problem.empty) { try DesiredUser(user: "", password: "pw") }
        let result = try Reconciler(store: HtpasswdStore(path: path), hasher: Self.hasher).apply(desired)
        #expect(result.unchanged.map(\.description) == ["alice"] && result.added.map(\.description) == ["bob"])
        #expect(try Authenticator(path: path).authenticate(user: "bob", password: "pw") == .granted)
    }
}

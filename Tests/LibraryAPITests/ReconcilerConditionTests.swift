import HtpasswdCore
import HtpasswdReconciler
import HtpasswdVerifier
import Testing

@Suite("Public API: the Reconciler's conditions on lines another tool wrote")
struct ReconcilerConditionTests {
    /// Cheap: these tests are about the API, not the cost. (Throws rather than traps: a regression fails the
    /// tests that use it, not the test process.)
    static var hasher: PasswordHasher { get throws { try PasswordHasher(algorithm: .bcrypt, cost: 4) } }

    @Test(
        "A line whose hash is empty or has a CR (no PasswordHash can hold it) is re-keyed in one apply, the condition on it holding"
    )
    func oddHashes() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        try write("alice:\nbob:x\ry\ncarol:{SHA}c\n", to: path)
        let reconciler = try Reconciler(store: HtpasswdStore(path: path), hasher: Self.hasher)
        let alice = try UserName("alice")
        let bob = try UserName("bob")
        let carol = try UserName("carol")
        let result = try reconciler.apply([
            DesiredUser(user: alice, password: "alice-pw"), DesiredUser(user: bob, password: "bob-pw"),
            DesiredUser(user: carol, hash: try PasswordHash("{SHA}c")),
        ])
        #expect(result.written)
        #expect(result.unchanged == [carol])
        let authenticator = Authenticator(path: path)
        #expect(try authenticator.authenticate(user: "alice", password: "alice-pw") == .granted)
        #expect(try authenticator.authenticate(user: "bob", password: "bob-pw") == .granted)
    }
}

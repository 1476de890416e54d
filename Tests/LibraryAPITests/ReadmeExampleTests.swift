import HtpasswdCore
import HtpasswdVerifier
import Testing

@Suite("Public API: the README's library example")
struct ReadmeExampleTests {
    @Test("The README's example, on a scratch file, does what it says")
    func readmeExample() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd").string
        let password = "correct horse"

        // As in README.md, with cost 4 instead of 12 for speed.
        let store = HtpasswdStore(path: path)
        var changes = HtpasswdChanges()
        changes.set(try PasswordHasher(cost: 4).hash(password), for: try UserName("alice"))
        try store.apply(changes, creation: .createIfMissing)

        let authenticator = Authenticator(path: path)
        func mayIn(_ user: String, _ password: String) throws -> Bool {
            if try authenticator.authenticate(user: user, password: password) == .granted {
                return true
            }
            return false
        }
        #expect(try mayIn("alice", password))
        #expect(try !mayIn("alice", "wrong"))
        #expect(try !mayIn("bob", password))
    }
}

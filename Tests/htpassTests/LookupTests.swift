import TestSupport
import Testing

/// verify and delete look a user up by its bytes: the rules for writing a name do not apply.
@Suite("Looking users up")
struct LookupTests {
    /// A file with `alice` and a user written by another tool, `" bob"`.
    static func fixture() throws -> (Sandbox, String) {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "\(try entry("alice", "alice-pw"))\n \(try entry("bob", "bob-pw"))\n")
        return (sandbox, file)
    }

    @Test("A user another tool wrote with a leading space can be verified and deleted")
    func leadingSpace() throws {
        let (sandbox, file) = try Self.fixture()
        try expectVerifies(file, " bob", "bob-pw")
        #expect(try verifyStatus(file, "bob", "bob-pw") == 3)
        expectSuccess(try htpass(["delete", file, " bob"]))
        let remaining = lines(try sandbox.text("users"))
        #expect(remaining.count == 1 && remaining[0].hasPrefix("alice:"), "\(remaining)")
    }

    @Test("A name no entry can have is not found (3), not rejected", arguments: ["a:b", "#x", "a\nb", "bob:", " "])
    func notFound(name: String) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        try expectFailure(
            try htpass(["verify", file, name, "--password-env", "PW"], environment: ["PW": "pw"]), 3,
            unchanged: snapshot)
        try expectFailure(try htpass(["delete", file, name]), 3, unchanged: snapshot)
        expectSuccess(try htpass(["delete", file, name, "--missing-ok"]))
        try snapshot.expectUnchanged()
    }

    @Test("An empty name is not found by verify or delete (3)")
    func emptyName() throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        try expectFailure(try htpass(["verify", file, "", "--stdin"], stdin: "pw"), 3, unchanged: snapshot)
        try expectFailure(try htpass(["delete", file, ""]), 3, unchanged: snapshot)
    }

    @Test("Writing commands still refuse such names (5)", arguments: [" bob", "#x"])
    func writersRefuse(name: String) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        try expectFailure(try htpass(["add", file, name, "--stdin"] + fast, stdin: "pw-pw-pw"), 5, unchanged: snapshot)
        try expectFailure(try htpass(["hash", name, "--stdin"] + fast, stdin: "pw-pw-pw"), 5, unchanged: snapshot)
    }
}

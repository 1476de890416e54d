import Foundation
import TestSupport
import Testing

/// `htpass apply`: a desired state in one write, without churn, refusing bad SPEC lines whole.
@Suite("htpass apply")
struct ApplyTests {
    static func spec(_ users: [(String, String)]) -> String {
        users.map { "\($0.0):\($0.1)\n" }.joined()
    }

    /// The inode and modification time of `path`, to tell a rewrite from no write at all.
    static func identity(_ path: String) throws -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw POSIXError(.ENOENT) }
        return [Int(info.st_ino), info.st_mtim.tv_sec, info.st_mtim.tv_nsec]
    }

    @Test("10,000 users from a generated SPEC round-trip; applying it again checks every password and writes nothing")
    func tenThousand() throws {
        let sandbox = try Sandbox()
        let file = sandbox.path("htpasswd")
        let users = (0..<10_000).map { ("user\($0)", "pw-\($0)-\(String($0 * 7919, radix: 36))") }
        let spec = try sandbox.write("spec", Self.spec(users))
        let first = try htpass(["apply", "--create", "-a", "apr1", "--json", file, spec])
        #expect(first.status == 0, "\(first.stderrText)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout)) as? [String: Any])
        #expect((summary["added"] as? [String])?.count == 10_000 && summary["changed"] as? Bool == true)
        #expect(first.stderrText.contains("added 10000, changed 0, removed 0, unchanged 0"), "\(first.stderrText)")
        let listed = try htpass(["list", file])
        #expect(lines(listed.stdoutText) == users.map(\.0))
        // Apache's htpasswd agrees on a sample of them.
        for index in stride(from: 0, to: 10_000, by: 1_999) {
            let (user, password) = users[index]
            #expect(try TestSupport.run(try TestSupport.locate("htpasswd"), ["-vb", file, user, password]).status == 0)
        }
        let before = try Self.identity(file)
        let again = try htpass(["apply", "-a", "apr1", "--json", file, spec])
        #expect(again.status == 0, "\(again.stderrText)")
        #expect(again.stderrText.contains("unchanged 10000 (nothing to write)"), "\(again.stderrText)")
        let second = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout)) as? [String: Any])
        #expect(second["changed"] as? Bool == false && second["unchanged"] as? Int == 10_000)
        #expect(try Self.identity(file) == before, "the file was rewritten")
    }

    @Test("Only what changed is rewritten, with its reason; --diff never prints a password or a hash")
    func reasons() throws {
        let sandbox = try Sandbox()
        let file = sandbox.path("htpasswd")
        let spec = try sandbox.write("spec", Self.spec([("alice", "a-pw"), ("bob", "b-pw"), ("carol", "c-pw")]))
        expectSuccess(try htpass(["apply", "--create", file, spec] + fast))
        let alice = try lines(sandbox.text("htpasswd"))[0]
        try sandbox.write(
            "spec", Self.spec([("alice", "a-pw"), ("bob", "new-b-pw"), ("carol", "c-pw"), ("dave", "d-pw")]))
        let output = try htpass(["apply", "--diff", file, spec] + fast)
        expectSuccess(output)
        #expect(lines(output.stdoutText) == ["+ dave", "~ bob (password)"])
        #expect(!output.stdoutText.contains("$2y$") && !output.stdoutText.contains("pw"))
        #expect(try lines(sandbox.text("htpasswd"))[0] == alice, "alice's line was rewritten")
        try expectVerifies(file, "bob", "new-b-pw")
        // Another cost, another algorithm.
        let cost = try htpass(["apply", "--diff", file, spec, "--cost", "5"])
        #expect(lines(cost.stdoutText) == ["~ alice (cost)", "~ bob (cost)", "~ carol (cost)", "~ dave (cost)"])
        let algorithm = try htpass(["apply", "--diff", file, spec, "-a", "sha256"])
        #expect(lines(algorithm.stdoutText).allSatisfy { $0.hasSuffix("(algorithm)") })
        try expectVerifies(file, "carol", "c-pw")
    }

    @Test("--exclusive removes exactly the users SPEC does not name; comments and other lines stay")
    func exclusive() throws {
        let sandbox = try Sandbox()
        let (alice, bob, carol) = (try entry("alice", "a-pw"), try entry("bob", "b-pw"), try entry("carol", "c-pw"))
        let file = try sandbox.write(
            "htpasswd", "# team\n\(alice)\n\(bob)\n\n\(carol)\n\(bob.replacingOccurrences(of: "bob", with: "dave"))\n")
        let spec = try sandbox.write("spec", Self.spec([("alice", "a-pw"), ("carol", "c-pw")]))
        let output = try htpass(["apply", "--exclusive", "--diff", file, spec] + fast)
        expectSuccess(output)
        #expect(lines(output.stdoutText) == ["- bob", "- dave"])
        #expect(try sandbox.text("htpasswd") == "# team\n\(alice)\n\n\(carol)\n")
    }

    @Test(
        "A refused SPEC line: status 5, the line named, nothing written",
        arguments: [
            ("alice:a\nbad:name:x\n# ok\n b:x\n", "SPEC line 4"),
            ("alice:a\nbob:\n", "SPEC line 2"),
            ("alice:a\nalice:b\n", "already on line 1"),
            ("alice:a\nnocolon\n", "SPEC line 2"),
            ("alice:" + String(repeating: "p", count: 73) + "\n", "72"),
            ("ali\u{7F}ce:x\n", "SPEC line 1"),
        ])
    func refused(spec: String, message: String) throws {
        let sandbox = try Sandbox()
        try sandbox.write("htpasswd", try entry("zed", "z-pw") + "\n")
        try sandbox.write("spec", spec)
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(["apply", "--exclusive", sandbox.path("htpasswd"), sandbox.path("spec")] + fast)
        try expectFailure(output, 5, unchanged: snapshot)
        #expect(output.stderrText.contains(message), "\(output.stderrText)")
    }

    @Test("--dry-run says what would change and writes nothing; --hashed writes hashes as they are")
    func dryRunAndHashed() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("htpasswd", try entry("alice", "a-pw") + "\n")
        let before = try Self.identity(file)
        let dry = try htpass(["apply", "--dry-run", "--json", "--exclusive", file, "-"], stdin: "bob:b-pw\n")
        #expect(dry.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(dry.stdout)) as? [String: Any])
        #expect(object["dry_run"] as? Bool == true && object["changed"] as? Bool == true)
        #expect(object["added"] as? [String] == ["bob"] && object["removed"] as? [String] == ["alice"])
        #expect(try Self.identity(file) == before)
        let hash = try entry("carol", "c-pw")
        let hashed = try htpass(["apply", "--hashed", "--diff", file, "-"], stdin: hash + "\n")
        expectSuccess(hashed)
        #expect(try sandbox.text("htpasswd").hasSuffix(hash + "\n"))
        let again = try htpass(["apply", "--hashed", "--diff", file, "-"], stdin: hash + "\n")
        #expect(again.stdout.isEmpty && again.stderrText.contains("nothing to write"), "\(again.stderrText)")
    }

    @Test("A user listed twice keeps its first line and loses the others")
    func duplicates() throws {
        let sandbox = try Sandbox()
        let alice = try entry("alice", "a-pw")
        let file = try sandbox.write(
            "htpasswd", "\(alice)\nbob:x\n\(alice.replacingOccurrences(of: "$2y$", with: "$2b$"))\n")
        let output = try htpass(["apply", "--diff", file, "-"] + fast, stdin: "alice:a-pw\n")
        #expect(lines(output.stdoutText) == ["~ alice (duplicates)"])
        #expect(try sandbox.text("htpasswd") == "\(alice)\nbob:x\n")
    }

    @Test("--target: the strongest format the targets verify; a hash they cannot verify is refused")
    func targets() throws {
        let sandbox = try Sandbox()
        let file = sandbox.path("htpasswd")
        expectSuccess(try htpass(["apply", "--create", "--target", "envoy", file, "-"], stdin: "alice:a-pw\n"))
        #expect(try sandbox.text("htpasswd").hasPrefix("alice:{SHA}"))
        let refused = try htpass(
            ["apply", "--hashed", "--target", "envoy", file, "-"], stdin: try entry("bob", "b") + "\n")
        try expectFailure(refused, 5)
    }
}

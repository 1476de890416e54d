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

    /// New apr1 hashes are made many at once in SIMD lanes; `HTPASS_SIMD` forces each level (one the machine
    /// lacks falls back to the highest it has). Apache's htpasswd verifies a sample, and a second apply checks
    /// every password with the scalar verifier.
    @Test(
        "apr1 hashes made in SIMD lanes verify, at every HTPASS_SIMD level",
        arguments: ["off", "sse2", "avx2", "avx512"])
    func simdLevels(level: String) throws {
        let sandbox = try Sandbox()
        let file = sandbox.path("htpasswd")
        // Lengths that make full and partial groups of 4, 8 and 16 lanes, and messages of one to four blocks.
        let users = (0..<90).map { ("u\($0)", String(repeating: "p\($0 % 7)", count: 1 + $0 % 40)) }
        let spec = try sandbox.write("spec", Self.spec(users))
        let environment: [String: String?] = ["HTPASS_SIMD": level]
        expectSuccess(
            try htpass(["apply", "--create", "-a", "apr1", "--jobs", "2", file, spec], environment: environment))
        for index in stride(from: 0, to: users.count, by: 11) {
            let (user, password) = users[index]
            #expect(try TestSupport.run(try TestSupport.locate("htpasswd"), ["-vb", file, user, password]).status == 0)
        }
        let again = try htpass(["apply", "-a", "apr1", file, spec], environment: environment)
        #expect(again.stderrText.contains("unchanged 90 (nothing to write)"), "\(again.stderrText)")
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
            ("alice:a\nbob:\n", "SPEC line 2: The password is empty; pass --allow-empty if that is really wanted"),
            ("alice:a\nalice:b\n", "SPEC line 2: the user is already on line 1; keep one line per user"),
            (
                "alice:a\nnocolon\n",
                "SPEC line 2: no ':' between the user and the password; write it as 'user:password'"
            ),
            (
                "alice:" + String(repeating: "p", count: 73) + "\n",
                "SPEC line 1: The password is 73 bytes but bcrypt uses only the first 72; use a shorter password or another algorithm (-a sha512)"
            ),
            ("ali\u{7F}ce:x\n", "SPEC line 1: invalid user name: it contains the control character 0x7F; remove it"),
        ])
    func refused(spec: String, message: String) throws {
        let sandbox = try Sandbox()
        try sandbox.write("htpasswd", try entry("zed", "z-pw") + "\n")
        try sandbox.write("spec", spec)
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(["apply", "--exclusive", sandbox.path("htpasswd"), sandbox.path("spec")] + fast)
        try expectFailure(output, 5, unchanged: snapshot)
        // What is wrong, what to do, and that the file was left alone.
        #expect(output.stderrText.hasPrefix("htpass: " + message), "\(output.stderrText)")
        #expect(output.stderrText.hasSuffix("; nothing was written\n"), "\(output.stderrText)")
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
        let snapshot = try Snapshot(sandbox)
        let refused = try htpass(
            ["apply", "--hashed", "--target", "envoy", file, "-"], stdin: try entry("bob", "b") + "\n")
        try expectFailure(refused, 5, unchanged: snapshot)
        // A {SHA} hash of the wrong length: Envoy would refuse the whole file, so it is refused here.
        let short = try htpass(["apply", "--hashed", "--target", "envoy", file, "-"], stdin: "carol:{SHA}abc\n")
        try expectFailure(short, 5, unchanged: snapshot)
        #expect(
            short.stderrText.hasPrefix("htpass: SPEC line 1: Envoy would refuse the file: "), "\(short.stderrText)")
        #expect(short.stderrText.contains("'htpass hash --target envoy'"), "\(short.stderrText)")
    }

    /// A real bcrypt hash of cost 4 (60 bytes), for making malformed ones from.
    static func bcryptHash() throws -> String {
        String(try entry("x", "pw").dropFirst(2))
    }

    @Test(
        "--hashed refuses, naming the line, a hash no password can match; with no --target too",
        arguments: [
            // The reviewer's case: a failure token, a password in clear, a bcrypt cost out of range.
            ("alice:*0\nbob:notahash\ncarol:$2y$99$abc\n", "SPEC line 1: the hash is a crypt(3) failure token"),
            ("# users\nbob:notahash\n", "SPEC line 2: the hash is in no known format (a password in clear?)"),
            ("carol:$2y$99$abc\n", "SPEC line 1: the hash is bcrypt of cost 99, outside 4 to 31"),
            ("dave:$2y$03$" + String(repeating: "a", count: 53) + "\n", "SPEC line 1: the hash is bcrypt of cost 3"),
            (
                "erin:$2y$5$" + String(repeating: "a", count: 53) + "\n",
                "SPEC line 1: the hash is a malformed bcrypt hash"
            ),
            (
                "frank:$2y$10$" + String(repeating: "a", count: 52) + "\n",
                "SPEC line 1: the hash is a malformed bcrypt hash"
            ),
            (
                "gina:$2y$10$" + String(repeating: "a", count: 52) + "!\n",
                "SPEC line 1: the hash is a malformed bcrypt hash"
            ),
        ])
    func hashedNeverMatches(spec: String, message: String) throws {
        for create in [false, true] {
            let sandbox = try Sandbox()
            if !create { try sandbox.write("htpasswd", try entry("zed", "z-pw") + "\n") }
            let snapshot = try Snapshot(sandbox)
            let output = try htpass(
                ["apply", "--hashed", sandbox.path("htpasswd"), "-"] + (create ? ["--create"] : []), stdin: spec)
            try expectFailure(output, 5, unchanged: snapshot)
            #expect(output.stderrText.hasPrefix("htpass: " + message), "\(output.stderrText)")
            #expect(output.stderrText.hasSuffix("; nothing was written\n"), "\(output.stderrText)")
        }
    }

    @Test("--hashed: a hash is checked against the targets, nginx when none is given, and kept as it is")
    func hashedTargets() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("htpasswd", try entry("zed", "z-pw") + "\n")
        let yescrypt = try entry("alice", "a-pw", ["-a", "yescrypt"])
        // Refused for nginx on Alpine (musl has no yescrypt), with what to do.
        let snapshot = try Snapshot(sandbox)
        let refused = try htpass(["apply", "--hashed", "--target", "nginx-alpine", file, "-"], stdin: yescrypt + "\n")
        try expectFailure(refused, 5, unchanged: snapshot)
        #expect(
            refused.stderrText.hasPrefix(
                "htpass: SPEC line 1: nginx on Alpine (musl) cannot verify yescrypt hashes; give a hash nginx on Alpine (musl) verifies, made by 'htpass hash --target nginx-alpine'; nothing was written"
            ), "\(refused.stderrText)")
        // Apache httpd verifies $2y$ up to cost 17 only.
        let cost18 = "bob:" + (try Self.bcryptHash()).replacingOccurrences(of: "$2y$04$", with: "$2y$18$")
        let apache = try htpass(["apply", "--hashed", "--target", "apache", file, "-"], stdin: cost18 + "\n")
        try expectFailure(apache, 5, unchanged: snapshot)
        #expect(apache.stderrText.contains("cost 18 (at most 17)"), "\(apache.stderrText)")
        // nginx (the default, and the same named) verifies yescrypt: written as it is.
        expectSuccess(try htpass(["apply", "--hashed", file, "-"], stdin: yescrypt + "\n"))
        #expect(try sandbox.text("htpasswd").hasSuffix(yescrypt + "\n"))
        try expectVerifies(file, "alice", "a-pw")
    }

    @Test(
        "--exclusive refuses a SPEC that names no user (an unset variable, an empty file) unless --allow-no-users",
        arguments: [("-", ""), ("-", "\n"), ("-", "# nobody yet\n\n"), ("/dev/null", "")])
    func exclusiveEmpty(spec: String, stdin: String) throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("htpasswd", "# team\n" + (try entry("alice", "a-pw")) + "\n")
        let before = try Self.identity(file)
        let snapshot = try Snapshot(sandbox)
        for extra in [[], ["--dry-run"], ["--create"]] {
            let output = try htpass(["apply", "--exclusive", file, spec] + extra, stdin: stdin)
            try expectFailure(output, 5, unchanged: snapshot)
            #expect(
                output.stderrText
                    == "htpass: SPEC names no user, and --exclusive would remove every user; nothing was written; check where SPEC comes from (an unset variable?), or pass --allow-no-users if that is meant\n"
            )
        }
        #expect(try Self.identity(file) == before)
        // Without --exclusive, an empty SPEC changes nothing.
        let plain = try htpass(["apply", file, spec], stdin: stdin)
        expectSuccess(plain)
        #expect(plain.stderrText.contains("added 0, changed 0, removed 0, unchanged 0 (nothing to write)"))
        #expect(try Self.identity(file) == before)
        // Asked for explicitly: every user goes, comments stay.
        let emptied = try htpass(["apply", "--exclusive", "--allow-no-users", "--diff", file, spec], stdin: stdin)
        expectSuccess(emptied)
        #expect(lines(emptied.stdoutText) == ["- alice"])
        #expect(try sandbox.text("htpasswd") == "# team\n")
    }

    @Test("The reviewer's pipeline: an unset variable with --exclusive removes nobody")
    func unsetVariable() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("htpasswd", try entry("alice", "a-pw") + "\n")
        let snapshot = try Snapshot(sandbox)
        let output = try TestSupport.run(
            "/bin/sh", ["-c", "printf '%s\\n' \"$UNSET\" | \"$HTPASS\" apply --exclusive \"$FILE\" -"],
            environment: ["UNSET": nil, "HTPASS": TestSupport.htpassBinary, "FILE": file])
        try expectFailure(output, 5, unchanged: snapshot)
    }

    @Test("Nothing is hashed unless a line needs it: a no-op at bcrypt cost 31 returns at once")
    func noHashForNothing() throws {
        let sandbox = try Sandbox()
        let hash = try entry("alice", "a-pw")
        let file = try sandbox.write("htpasswd", hash + "\n")
        let before = try Self.identity(file)
        // One cost-31 hash takes about a day; the timeout only ends a run that hashes anyway (with SIGKILL:
        // the test runner's threads block SIGTERM, and children inherit that).
        for (arguments, stdin) in [(["--hashed"], hash + "\n"), (["--dry-run"], "bob:b-pw\n"), ([], "")] {
            let output = try TestSupport.run(
                "timeout",
                ["-s", "KILL", "60", TestSupport.htpassBinary, "apply", "--cost", "31", file, "-"] + arguments,
                stdin: Array(stdin.utf8))
            expectSuccess(output)
        }
        #expect(try Self.identity(file) == before)
    }
}

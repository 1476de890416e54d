import Foundation
import TestSupport
import Testing

@Suite("htpass verify")
struct VerifyTests {
    /// `Tests/Fixtures/cli/formats.htpasswd`: one user per format, password `myPassword`, made by Apache's
    /// htpasswd (bcrypt, apr1, sha1, des, sha256, sha512), openssl (md5crypt), mkpasswd (yescrypt, sha512
    /// with rounds) and python's hashlib ({SSHA}); plus nginx's {PLAIN}.
    static let formats = TestSupport.fixtures + "/cli/formats.htpasswd"

    @Test(
        "Every format nginx on Debian accepts verifies",
        arguments: [
            "bcrypt", "bcrypt2a", "bcrypt2b", "apr1", "sha1", "sha256", "sha512", "sha512r", "md5crypt", "yescrypt",
            "ssha", "plain",
        ])
    func formats(user: String) throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", bytes: try TestSupport.readBytes(Self.formats))
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(["verify", file, user, "--stdin"], stdin: "myPassword\n")
        expectSuccess(output)
        #expect(try verifyStatus(file, user, "myPassword!") == 1)
        #expect(try verifyStatus(file, user, "mypassword") == 1)
        #expect(try verifyStatus(file, user, "myPasswor") == 1)
        try snapshot.expectUnchanged()
    }

    @Test("DES compares the first 8 bytes")
    func des() throws {
        let file = Self.formats
        try expectVerifies(file, "des", "myPasswo")
        #expect(try verifyStatus(file, "des", "myPassw") == 1)
        #expect(try verifyStatus(file, "des", "MyPasswo") == 1)
    }

    @Test("Each algorithm htpass writes verifies, and a wrong password does not", arguments: algorithmNames)
    func roundTrip(algorithm: String) throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        // 8 bytes, so that DES takes it too.
        expectSuccess(try htpass(["add", file, "alice", "--stdin"] + options(for: algorithm), stdin: "Pa55w0rd\n"))
        let output = try htpass(["verify", file, "alice", "--stdin"], stdin: "Pa55w0rd\n")
        expectSuccess(output)
        try expectVerifies(file, "alice", "Pa55w0rd")
        #expect(try verifyStatus(file, "alice", "Pa55w0rD") == 1)
        #expect(try verifyStatus(file, "alice", "Pa55w0r") == 1)
    }

    @Test("The first line of a user wins")
    func firstLineWins() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "\(try entry("bob", "first"))\n\(try entry("bob", "second"))\n")
        try expectVerifies(file, "bob", "first")
        #expect(try verifyStatus(file, "bob", "second") == 1)
    }

    @Test("Comments, extra fields, CRLF and odd lines do not disturb verify")
    func oddLines() throws {
        let sandbox = try Sandbox()
        let alice = try entry("alice", "a-pw")
        let bob = try entry("bob", "b-pw")
        let carol = try entry("carol", "c-pw")
        let file = try sandbox.write("users", "#\(carol)\r\nnonsense\n\(alice):extra:more\r\n\n\(bob)")
        try expectVerifies(file, "alice", "a-pw")
        try expectVerifies(file, "bob", "b-pw")
        #expect(try verifyStatus(file, "carol", "c-pw") == 3, "a commented-out line is no user")
    }

    @Test("User names are compared byte for byte, without trimming or normalising")
    func exactNames() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "\(try entry("José", "pw-1"))\n\(try entry("b o b", "pw-2"))\n")
        try expectVerifies(file, "José", "pw-1")  // precomposed é
        #expect(try verifyStatus(file, "Jose\u{301}", "pw-1") == 3)  // e + combining acute
        #expect(try verifyStatus(file, "josé", "pw-1") == 3)
        try expectVerifies(file, "b o b", "pw-2")
        #expect(try verifyStatus(file, "bob", "pw-2") == 3)
    }

    @Test("verify prints nothing on stdout")
    func quiet() throws {
        let file = Self.formats
        let match = try htpass(["verify", file, "sha512", "--stdin"], stdin: "myPassword")
        #expect(
            match.status == 0 && match.stdout.isEmpty && match.stderr.isEmpty, "\(match.stdoutText) \(match.stderrText)"
        )
        let mismatch = try htpass(["verify", file, "sha512", "--stdin"], stdin: "notMyPassword")
        #expect(mismatch.status == 1 && mismatch.stdout.isEmpty, "\(mismatch.stdoutText)")
    }
}

@Suite("htpass hash")
struct HashTests {
    static let prefixes: [String: String] = [
        "bcrypt": "$2y$04$", "sha512": "$6$", "sha256": "$5$", "yescrypt": "$y$", "apr1": "$apr1$", "sha1": "{SHA}",
    ]

    @Test("hash prints a hash that Apache's htpasswd -v and htpass verify accept", arguments: algorithmNames)
    func hashVerifies(algorithm: String) throws {
        let sandbox = try Sandbox()
        let output = try htpass(
            ["hash", "--stdin"] + options(for: algorithm), stdin: "s3cretpw\n",
            options: .init(directory: sandbox.directory))
        #expect(output.status == 0, "\(output.stderrText)")
        let hashLines = lines(output.stdoutText)
        try #require(hashLines.count == 1, "\(output.stdoutText)")
        let hash = hashLines[0]
        if let prefix = Self.prefixes[algorithm] { #expect(hash.hasPrefix(prefix), "\(hash)") }
        if algorithm == "des" { #expect(hash.count == 13, "\(hash)") }
        #expect(!hash.contains(":"))
        #expect(try sandbox.listing() == [], "hash touches no file")
        let file = try sandbox.write("users", "alice:\(hash)\n")
        let apache = try TestSupport.run(try TestSupport.locate("htpasswd"), ["-vb", file, "alice", "s3cretpw"])
        #expect(apache.status == 0, "htpasswd -v: \(apache.stderrText)")
        let apacheWrong = try TestSupport.run(try TestSupport.locate("htpasswd"), ["-vb", file, "alice", "s3cretpW"])
        #expect(apacheWrong.status != 0)
        try expectVerifies(file, "alice", "s3cretpw")
    }

    @Test("hash USER prints a USER:hash line", arguments: algorithmNames)
    func hashWithUser(algorithm: String) throws {
        let sandbox = try Sandbox()
        let output = try htpass(
            ["hash", "alice", "--password-env", "PW"] + options(for: algorithm), environment: ["PW": "s3cretpw"])
        #expect(output.status == 0, "\(output.stderrText)")
        let line = output.stdoutText
        #expect(line.hasPrefix("alice:") && line.hasSuffix("\n") && lines(line).count == 1, "\(line)")
        let file = try sandbox.write("users", line)
        #expect(
            try TestSupport.run(try TestSupport.locate("htpasswd"), ["-vb", file, "alice", "s3cretpw"]).status == 0)
    }

    @Test(
        "Two hashes of one password differ (random salt)",
        arguments: ["bcrypt", "sha512", "sha256", "yescrypt", "apr1", "des"])
    func salted(algorithm: String) throws {
        let first = try htpass(["hash", "--stdin"] + options(for: algorithm), stdin: "pw-pw")
        let second = try htpass(["hash", "--stdin"] + options(for: algorithm), stdin: "pw-pw")
        #expect(first.status == 0 && second.status == 0)
        #expect(first.stdoutText != second.stdoutText)
    }

    @Test("--cost and --rounds are written into the hash")
    func parameters() throws {
        let cost = try htpass(["hash", "--stdin", "--cost", "5"], stdin: "pw")
        #expect(cost.stdoutText.hasPrefix("$2y$05$"), "\(cost.stdoutText)")
        let rounds = try htpass(["hash", "--stdin", "-a", "sha512", "--rounds", "12345"], stdin: "pw")
        #expect(rounds.stdoutText.hasPrefix("$6$rounds=12345$"), "\(rounds.stdoutText)")
        let sha256 = try htpass(["hash", "--stdin", "--algorithm", "sha256", "--rounds", "1000"], stdin: "pw")
        #expect(sha256.stdoutText.hasPrefix("$5$rounds=1000$"), "\(sha256.stdoutText)")
    }

    @Test("A hash of an empty password needs --allow-empty")
    func emptyPassword() throws {
        let output = try htpass(["hash", "--stdin", "--allow-empty"] + fast, stdin: "")
        #expect(output.status == 0)
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "e:" + output.stdoutText)
        #expect(try TestSupport.run(try TestSupport.locate("htpasswd"), ["-vb", file, "e", ""]).status == 0)
    }
}

@Suite("--generate")
struct GenerateTests {
    @Test("add --generate prints a password that then verifies")
    func addGenerate() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let output = try htpass(["add", file, "alice", "--generate"] + fast)
        expectSuccess(output)
        let printed = lines(output.stdoutText)
        try #require(printed.count == 1, "\(output.stdoutText)")
        let password = printed[0]
        #expect(password.count >= 12, "\(password)")
        #expect(!password.contains(" "))
        try expectVerifies(file, "alice", password)
        #expect(!(try sandbox.text("users")).contains(password), "the password itself is not written")
    }

    @Test("--length sets the generated password's length", arguments: [1, 8, 32, 72])
    func length(length: Int) throws {
        let sandbox = try Sandbox()
        let output = try htpass(
            ["create", sandbox.path("users"), "alice", "--generate", "--length", "\(length)"] + fast)
        #expect(output.status == 0, "\(output.stderrText)")
        let printed = lines(output.stdoutText)
        try #require(printed.count == 1)
        #expect(printed[0].utf8.count == length)
        try expectVerifies(sandbox.path("users"), "alice", printed[0])
    }

    @Test("--generate with DES makes a password DES can hold, or refuses")
    func desLength() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let output = try htpass(["add", file, "alice", "--generate", "--length", "8", "-a", "des"])
        #expect(output.status == 0)
        try expectVerifies(file, "alice", lines(output.stdoutText).first ?? "")
        let tooLong = try htpass(["add", file, "bob", "--generate", "--length", "9", "-a", "des"])
        #expect(tooLong.status == 5)
    }

    @Test("Generated passwords differ")
    func differ() throws {
        let first = try htpass(["hash", "--generate"] + fast)
        let second = try htpass(["hash", "--generate"] + fast)
        #expect(first.status == 0 && second.status == 0)
        #expect(lines(first.stdoutText).first != lines(second.stdoutText).first)
    }

    @Test("hash --generate prints the password, then the hash")
    func hashGenerate() throws {
        let sandbox = try Sandbox()
        let output = try htpass(["hash", "bob", "--generate", "--length", "24"] + fast)
        #expect(output.status == 0)
        let printed = lines(output.stdoutText)
        try #require(printed.count == 2, "\(output.stdoutText)")
        #expect(printed[0].count == 24)
        #expect(printed[1].hasPrefix("bob:$2y$04$"))
        let file = try sandbox.write("users", printed[1] + "\n")
        #expect(try TestSupport.run(try TestSupport.locate("htpasswd"), ["-vb", file, "bob", printed[0]]).status == 0)
    }

    @Test("A failed --generate prints no password")
    func failedGenerate() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let output = try htpass(["add", file, "bad:name", "--generate"] + fast)
        try expectFailure(output, 5)
    }
}

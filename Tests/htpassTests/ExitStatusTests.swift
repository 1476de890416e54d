import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Every documented exit status, through the built binary. Each failure must leave one `htpass: ` line on
/// stderr (warnings aside), nothing on stdout, and the directory byte-for-byte as it was.
@Suite("Exit statuses")
struct ExitStatusTests {
    /// A directory holding `users` with alice:alice-pw and bob:bob-pw (bcrypt cost 4) and a comment.
    static func fixture() throws -> (Sandbox, String) {
        let sandbox = try Sandbox()
        let text = "# users\n" + (try entry("alice", "alice-pw")) + "\n" + (try entry("bob", "bob-pw")) + "\n"
        let file = try sandbox.write("users", text)
        return (sandbox, file)
    }

    // MARK: 2 — usage

    @Test(
        "Usage errors exit 2",
        arguments: [
            ["add", "FILE", "carol", "--stdin", "--bogus"],
            ["add", "FILE", "carol", "--stdin", "--password-env", "PW"],
            ["add", "FILE", "carol", "--stdin", "--password-file", "FILE"],
            ["add", "FILE", "carol", "--password-env", "PW", "--generate"],
            ["verify", "FILE", "alice", "--stdin", "--password-env", "PW"],
            ["add", "FILE", "--stdin"],
            ["add", "--stdin"],
            ["verify", "FILE", "--stdin"],
            ["delete", "FILE"],
            ["create", "--stdin"],
            ["list"],
            ["add", "FILE", "carol", "--stdin", "--cost", "ten"],
            ["add", "FILE", "carol", "--stdin", "--cost"],
            ["add", "FILE", "carol", "--stdin", "-a", "sha512", "--rounds", "many"],
            ["add", "FILE", "carol", "--stdin", "-a", "md4"],
            ["add", "FILE", "carol", "--generate", "--length", "long"],
            ["verify", "FILE", "alice", "--generate"],
            ["verify", "FILE", "alice", "bob", "--stdin"],
            ["list", "FILE", "extra"],
            ["hash", "alice", "bob", "--stdin"],
            ["frobnicate", "FILE"],
            ["add", "FILE", "carol", "--stdin", "--lock-timeout", "soon"],
        ])
    func usage(arguments: [String]) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(
            arguments.map { $0 == "FILE" ? file : $0 }, stdin: "carol-pw\n", environment: ["PW": "carol-pw"])
        try expectFailure(output, 2, unchanged: snapshot)
    }

    @Test(
        "No password source and no terminal exits 2",
        arguments: [
            ["add", "FILE", "carol"],
            ["add", "NEW", "carol", "--create"],
            ["create", "NEW", "carol"],
            ["verify", "FILE", "alice"],
            ["hash", "carol"],
            ["hash"],
        ])
    func noPasswordSource(arguments: [String]) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        // Empty stdin that is not a terminal, and a new session without a controlling terminal.
        let output = try htpass(arguments.map { $0 == "FILE" ? file : $0 == "NEW" ? sandbox.path("new") : $0 })
        try expectFailure(output, 2, unchanged: snapshot)
    }

    // MARK: 1 — mismatch

    @Test("A wrong password exits 1 and changes nothing")
    func mismatch() throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        for wrong in ["bob-pw ", "Bob-pw", "bob-p", "bob-pw\n", "alice-pw"] {
            let output = try htpass(["verify", file, "bob", "--password-env", "PW"], environment: ["PW": wrong])
            #expect(output.status == 1, "password \(wrong.debugDescription): \(output.stderrText)")
            #expect(lines(output.stderrText).filter { !isWarning($0) }.count <= 1)
        }
        try expectVerifies(file, "bob", "bob-pw")
        try snapshot.expectUnchanged()
    }

    // MARK: 3 — no such user

    @Test("verify of an unknown user exits 3")
    func verifyUnknownUser() throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        for user in ["carol", "Alice", "alic", "alice2", "users"] {
            let output = try htpass(["verify", file, user, "--password-env", "PW"], environment: ["PW": "alice-pw"])
            try expectFailure(output, 3, unchanged: snapshot)
        }
    }

    @Test("delete of a missing user exits 3")
    func deleteUnknownUser() throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        try expectFailure(try htpass(["delete", file, "carol"]), 3, unchanged: snapshot)
    }

    @Test(
        "delete of a present and a missing user deletes nothing", arguments: [["alice", "carol"], ["carol", "alice"]])
    func deletePresentAndMissing(users: [String]) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        try expectFailure(try htpass(["delete", file] + users), 3, unchanged: snapshot)
        try expectVerifies(file, "alice", "alice-pw")
    }

    // MARK: 4 — file problems

    @Test(
        "A missing file exits 4",
        arguments: [
            ["add", "MISSING", "carol", "--stdin"],
            ["delete", "MISSING", "alice"],
            ["delete", "MISSING", "alice", "--missing-ok"],
            ["verify", "MISSING", "alice", "--stdin"],
            ["list", "MISSING"],
            ["list", "MISSING", "--json"],
        ])
    func missingFile(arguments: [String]) throws {
        let (sandbox, _) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(arguments.map { $0 == "MISSING" ? sandbox.path("missing") : $0 }, stdin: "pw\n")
        try expectFailure(output, 4, unchanged: snapshot)
    }

    @Test(
        "A directory instead of a file exits 4",
        arguments: [
            ["add", "DIR", "carol", "--stdin"],
            ["add", "DIR", "carol", "--stdin", "--create"],
            ["create", "DIR", "--force"],
            ["delete", "DIR", "alice"],
            ["verify", "DIR", "alice", "--stdin"],
            ["list", "DIR"],
        ])
    func directoryInsteadOfFile(arguments: [String]) throws {
        let (sandbox, _) = try Self.fixture()
        try FileManager.default.createDirectory(atPath: sandbox.path("dir"), withIntermediateDirectories: false)
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(arguments.map { $0 == "DIR" ? sandbox.path("dir") : $0 }, stdin: "pw\n")
        try expectFailure(output, 4, unchanged: snapshot)
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.path("dir")).isEmpty)
    }

    @Test("A file in a missing directory exits 4")
    func missingDirectory() throws {
        let sandbox = try Sandbox()
        let output = try htpass(["create", sandbox.path("no/such/dir/users")])
        try expectFailure(output, 4, unchanged: try Snapshot(sandbox))
    }

    /// Runs as `nobody` (the tests run as root, who ignores permission bits) on a directory it cannot write.
    @Test(
        "An unwritable directory exits 4",
        arguments: [
            ["add", "FILE", "carol", "--stdin"],
            ["add", "FILE", "alice", "--stdin"],
            ["delete", "FILE", "alice"],
            ["create", "FILE", "--force"],
            ["create", "NEW"],
            ["add", "NEW", "carol", "--stdin", "--create"],
        ])
    func unwritableDirectory(arguments: [String]) throws {
        let (sandbox, file) = try Self.fixture()
        chmod(file, 0o644)
        chmod(sandbox.directory, 0o755)  // readable, not writable, by nobody
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(
            arguments.map { $0 == "FILE" ? file : $0 == "NEW" ? sandbox.path("new") : $0 }, stdin: "pw-pw-pw\n",
            options: .init(asNobody: true))
        try expectFailure(output, 4, unchanged: snapshot)
    }

    @Test("An unreadable file exits 4", arguments: [["list", "FILE"], ["verify", "FILE", "alice", "--stdin"]])
    func unreadableFile(arguments: [String]) throws {
        let (sandbox, file) = try Self.fixture()
        chmod(file, 0o600)
        chmod(sandbox.directory, 0o755)
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(
            arguments.map { $0 == "FILE" ? file : $0 }, stdin: "alice-pw\n", options: .init(asNobody: true))
        try expectFailure(output, 4, unchanged: snapshot)
    }

    @Test("create on an existing file exits 4 and keeps every user", arguments: [[], ["carol", "--stdin"]])
    func createExisting(extra: [String]) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        try expectFailure(try htpass(["create", file] + extra, stdin: "carol-pw\n"), 4, unchanged: snapshot)
    }

    @Test("create on an existing empty file exits 4")
    func createExistingEmpty() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let snapshot = try Snapshot(sandbox)
        try expectFailure(try htpass(["create", file]), 4, unchanged: snapshot)
    }

    @Test("A lock held by another process past --lock-timeout exits 4")
    func lockTimeout() throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        // Another writer's lock on the file: a write lock on a descriptor open for writing (a POSIX record
        // lock from this process conflicts with htpass's open file description lock).
        let fd = open(file, O_RDWR)
        try #require(fd >= 0)
        defer { close(fd) }
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        try #require(fcntl(fd, F_SETLK, &request) == 0)
        let output = try htpass(["add", file, "carol", "--stdin", "--lock-timeout", "0.2"] + fast, stdin: "carol-pw\n")
        try expectFailure(output, 4, unchanged: snapshot)
        #expect(output.stderrText.contains("process \(getpid())"), "\(output.stderrText)")
        request.l_type = Int16(F_UNLCK)
        _ = fcntl(fd, F_SETLK, &request)
        expectSuccess(try htpass(["add", file, "carol", "--stdin", "--lock-timeout", "5"] + fast, stdin: "carol-pw\n"))
        try expectVerifies(file, "carol", "carol-pw")
    }

    @Test("The holder named in the timeout is shown with its control bytes escaped (any user names their process)")
    func lockHolderEscaped() throws {
        let (_, file) = try Self.fixture()
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: try TestSupport.locate("python3"))
        holder.arguments = [
            "-c",
            """
            import fcntl, os, sys, time
            open('/proc/self/comm', 'w').write('evil\\x1b[2J')
            f = open(sys.argv[1], 'r+'); fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(30)
            """,
            file,
        ]
        let pipe = Pipe()
        holder.standardOutput = pipe
        try holder.run()
        defer { holder.terminate() }
        _ = pipe.fileHandleForReading.availableData  // "locked"
        let output = try htpass(["delete", file, "bob", "--lock-timeout", "0.3"])
        #expect(output.status == 4)
        #expect(output.stderrText.contains("(evil\\x1B[2J)"), "\(output.stderrText)")
        #expect(!output.stderr.contains(0x1B))
    }

    // MARK: 5 — rejected input

    static let badNames: [String] = [
        "a:b", ":bob", "bob:", "a\nb", "bob\n", "a\rb", "a\tb", "a\u{7F}b", "#bob", " bob", "bob ", " ",
        String(repeating: "a", count: 256), String(repeating: "é", count: 128), "",
    ]

    @Test("Invalid user names exit 5", arguments: badNames)
    func invalidUserName(name: String) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        try expectFailure(
            try htpass(["add", file, name, "--stdin"] + fast, stdin: "pw-pw-pw\n"), 5, unchanged: snapshot)
        try expectFailure(
            try htpass(["add", sandbox.path("new"), name, "--stdin", "--create"] + fast, stdin: "pw-pw-pw\n"), 5,
            unchanged: snapshot)
        try expectFailure(
            try htpass(["create", sandbox.path("new"), name, "--stdin"] + fast, stdin: "pw-pw-pw\n"), 5,
            unchanged: snapshot)
        try expectFailure(try htpass(["hash", name, "--stdin"] + fast, stdin: "pw-pw-pw\n"), 5, unchanged: snapshot)
    }

    @Test(
        "Names at the limits are accepted", arguments: [String(repeating: "a", count: 255), "a", "b o b", "bob#", "ü"])
    func validUserName(name: String) throws {
        let (sandbox, file) = try Self.fixture()
        _ = sandbox
        expectSuccess(try htpass(["add", file, name, "--stdin"] + fast, stdin: "pw-pw-pw\n"))
        try expectVerifies(file, name, "pw-pw-pw")
    }

    @Test("An empty password without --allow-empty exits 5", arguments: ["", "\n", "\r\n"])
    func emptyPassword(stdin: String) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        try expectFailure(try htpass(["add", file, "carol", "--stdin"] + fast, stdin: stdin), 5, unchanged: snapshot)
        try expectFailure(
            try htpass(["add", file, "carol", "--password-env", "PW"] + fast, environment: ["PW": ""]), 5,
            unchanged: snapshot)
        let empty = try sandbox.write("empty-password", stdin)
        let snapshot2 = try Snapshot(sandbox)
        try expectFailure(
            try htpass(["add", file, "carol", "--password-file", empty] + fast), 5, unchanged: snapshot2)
        try expectFailure(try htpass(["hash", "carol", "--stdin"] + fast, stdin: stdin), 5, unchanged: snapshot2)
        try expectFailure(
            try htpass(["create", sandbox.path("new"), "carol", "--stdin"] + fast, stdin: stdin), 5,
            unchanged: snapshot2)
    }

    @Test("An empty password with --allow-empty is written and verifies")
    func allowEmpty() throws {
        let (_, file) = try Self.fixture()
        expectSuccess(try htpass(["add", file, "carol", "--stdin", "--allow-empty"] + fast, stdin: "\n"))
        let output = try htpass(["verify", file, "carol", "--stdin", "--allow-empty"], stdin: "")
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(try verifyStatus(file, "carol", "x") == 1)
    }

    @Test(
        "Passwords longer than the algorithm uses exit 5",
        arguments: [
            (["-a", "bcrypt", "--cost", "4"], 73), (["--cost", "4"], 100), (["-a", "des"], 9), (["-a", "des"], 30),
        ])
    func passwordTooLong(options: [String], length: Int) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        let password = String(repeating: "p", count: length)
        try expectFailure(
            try htpass(["add", file, "carol", "--stdin"] + options, stdin: password), 5, unchanged: snapshot)
        try expectFailure(try htpass(["hash", "--stdin"] + options, stdin: password), 5, unchanged: snapshot)
        // The byte count matters, not the character count: 37 × "é" is 74 bytes.
        if options.contains("--cost") {
            let wide = String(repeating: "é", count: 37)
            try expectFailure(
                try htpass(["add", file, "carol", "--stdin"] + options, stdin: wide), 5, unchanged: snapshot)
        }
    }

    @Test(
        "Passwords of exactly the limit are accepted",
        arguments: [(["-a", "bcrypt", "--cost", "4"], 72), (["-a", "des"], 8)])
    func passwordAtLimit(options: [String], length: Int) throws {
        let (_, file) = try Self.fixture()
        let password = String(repeating: "q", count: length)
        expectSuccess(try htpass(["add", file, "carol", "--stdin"] + options, stdin: password))
        try expectVerifies(file, "carol", password)
        #expect(try verifyStatus(file, "carol", String(password.dropLast())) == 1)
    }

    @Test("A NUL byte in the password exits 5")
    func nulInPassword() throws {
        let (sandbox, file) = try Self.fixture()
        let passwordFile = try sandbox.write("pw", bytes: Array("abc".utf8) + [0] + Array("def".utf8))
        let snapshot = try Snapshot(sandbox)
        try expectFailure(
            try htpass(["add", file, "carol", "--password-file", passwordFile] + fast), 5, unchanged: snapshot)
    }

    @Test(
        "Cost and rounds out of range exit 5",
        arguments: [
            ["-a", "bcrypt", "--cost", "3"], ["-a", "bcrypt", "--cost", "32"], ["--cost", "0"],
            ["-a", "sha512", "--rounds", "999"], ["-a", "sha256", "--rounds", "999"],
            ["-a", "sha512", "--rounds", "1000000000"], ["-a", "sha512", "--rounds", "0"],
        ])
    func costAndRounds(options: [String]) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        try expectFailure(
            try htpass(["add", file, "carol", "--stdin"] + options, stdin: "carol-pw\n"), 5, unchanged: snapshot)
        try expectFailure(
            try htpass(["hash", "carol", "--stdin"] + options, stdin: "carol-pw\n"), 5, unchanged: snapshot)
    }

    @Test(
        "Cost and rounds at the limits are accepted",
        arguments: [
            ["-a", "bcrypt", "--cost", "4"], ["-a", "sha512", "--rounds", "1000"],
            ["-a", "sha256", "--rounds", "1000"],
        ])
    func costAndRoundsAtLimits(options: [String]) throws {
        let (_, file) = try Self.fixture()
        expectSuccess(try htpass(["add", file, "carol", "--stdin"] + options, stdin: "carol-pw\n"))
        try expectVerifies(file, "carol", "carol-pw")
    }

    // MARK: 6 — unverifiable entries

    @Test(
        "Failure tokens, bare plaintext and unknown formats exit 6",
        arguments: ["*0", "*1", "carol-pw", "$9$abc$def", "{MD4}abcdef", "", "!"])
    func unverifiable(hash: String) throws {
        let (sandbox, _) = try Self.fixture()
        let file = try sandbox.write("bad", "carol:\(hash)\n" + (try entry("dave", "dave-pw")) + "\n")
        let snapshot = try Snapshot(sandbox)
        // Even the "right" password for a plaintext entry must not match.
        for password in ["carol-pw", hash.isEmpty ? "x" : hash] {
            let output = try htpass(["verify", file, "carol", "--password-env", "PW"], environment: ["PW": password])
            try expectFailure(output, 6, unchanged: snapshot)
        }
        try expectVerifies(file, "dave", "dave-pw")
    }
}

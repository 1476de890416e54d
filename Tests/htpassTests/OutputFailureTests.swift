import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Where a run's standard output goes when it cannot be written.
enum UnwritableOutput: String, CaseIterable, CustomTestStringConvertible {
    /// `> /dev/full`: every write fails with ENOSPC.
    case full = "/dev/full"
    /// A pipe whose reader has gone (`| head -c0`, deterministically): every write fails with EPIPE.
    case closedPipe = "a closed pipe"

    var testDescription: String { rawValue }

    /// What the error line says about it.
    var reason: String { self == .full ? "No space left on device" : "the program reading it has exited" }
}

/// Runs htpass with standard output `target`, standard input `stdin`, standard error captured.
func htpass(
    _ arguments: [String], stdout target: UnwritableOutput, stdin: String = "", environment: [String: String] = [:]
) throws -> (status: Int32, stderr: String) {
    let scratch = try TestSupport.temporaryDirectory("htpass-out")
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    try TestSupport.writeBytes(Array(stdin.utf8), to: scratch + "/stdin")
    var pipeEnds: [CInt] = [-1, -1]
    if target == .closedPipe {
        try #require(pipe(&pipeEnds) == 0)
        close(pipeEnds[0])
    }
    defer { if pipeEnds[1] >= 0 { close(pipeEnds[1]) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, scratch + "/stdin", O_RDONLY, 0)
    if target == .closedPipe {
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/full", O_WRONLY, 0)
    }
    posix_spawn_file_actions_addopen(&actions, 2, scratch + "/stderr", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // A new session (no terminal to prompt on), and SIGPIPE at its default: htpass must not rely on an
    // inherited SIG_IGN to see EPIPE.
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | 0x80))
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGPIPE)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    let argv = ([TestSupport.htpassBinary] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        argv.forEach { free($0) }
        envp.forEach { free($0) }
    }
    var pid = pid_t()
    try #require(posix_spawn(&pid, TestSupport.htpassBinary, &actions, &attributes, argv, envp) == 0)
    var status: CInt = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (code, String(decoding: try TestSupport.readBytes(scratch + "/stderr"), as: UTF8.self))
}

/// Issue 17: nothing lost at the edges of the process. Every write to standard output is checked, the last
/// flush too; a generated password (and apply's report) goes out before the edit, so that one nobody received
/// leaves the file as it was.
@Suite("Output failures")
struct OutputFailureTests {
    /// A file with alice (bcrypt, cost 4).
    static func fixture() throws -> (Sandbox, String) {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", try entry("alice", "alice-pw") + "\n")
        return (sandbox, file)
    }

    /// Status 4, one error line (warnings aside) saying what could not be written and why.
    func expectOutputFailure(
        _ result: (status: Int32, stderr: String), _ target: UnwritableOutput, saying text: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == 4, "status \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        let errors = lines(result.stderr).filter { !isWarning($0) }
        #expect(errors.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(errors.first?.hasPrefix("htpass: ") == true, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(errors.first?.contains(text) == true, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(errors.first?.contains(target.reason) == true, "\(result.stderr)", sourceLocation: sourceLocation)
    }

    @Test(
        "A generated password that cannot be written is never stored: the file is unchanged",
        arguments: UnwritableOutput.allCases,
        [
            ["add", "--generate", "FILE", "bob"],
            ["add", "--generate", "FILE", "alice"],
            ["create", "--force", "--generate", "FILE", "bob"],
            ["add", "--create", "--generate", "NEW", "bob"],
            ["create", "--generate", "NEW", "bob"],
        ])
    func generatedPassword(target: UnwritableOutput, arguments: [String]) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        let result = try htpass(
            arguments.map { $0 == "FILE" ? file : $0 == "NEW" ? sandbox.path("new") : $0 } + fast, stdout: target)
        expectOutputFailure(result, target, saying: "Cannot write the generated password to standard output")
        #expect(result.stderr.contains("nothing was changed"), "\(result.stderr)")
        try snapshot.expectUnchanged()
    }

    @Test(
        "Reading commands exit 4 when their output is lost",
        arguments: UnwritableOutput.allCases,
        [
            ["list", "FILE"], ["list", "--long", "FILE"], ["list", "--json", "FILE"],
            ["hash", "--password-env", "PW", "-a", "apr1", "bob"], ["hash", "--generate", "-a", "sha1"],
            ["export", "FILE", "--format", "k8s-secret", "--for", "ingress-nginx"],
            ["export", "FILE", "--format", "compose"], ["export", "FILE", "--format", "dotenv"],
            ["check", "FILE"], ["check", "--json", "FILE"], ["--help"], ["add", "--help"], ["--version"],
            ["completions", "bash"],
        ])
    func readingCommands(target: UnwritableOutput, arguments: [String]) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        let result = try htpass(
            arguments.map { $0 == "FILE" ? file : $0 }, stdout: target, environment: ["PW": "bob-pw"])
        expectOutputFailure(result, target, saying: "to standard output")
        try snapshot.expectUnchanged()
    }

    @Test(
        "apply's report goes out before the write: when it cannot, nothing is written",
        arguments: UnwritableOutput.allCases, [["--json"], ["--diff"], ["--json", "--exclusive"]])
    func applyReport(target: UnwritableOutput, options: [String]) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        let result = try htpass(
            ["apply", file] + options + fast, stdout: target, stdin: "bob:bob-pw\ncarol:carol-pw\n")
        expectOutputFailure(result, target, saying: "Cannot write the report of the changes to standard output")
        #expect(result.stderr.contains("nothing was written"), "\(result.stderr)")
        try snapshot.expectUnchanged()
    }

    @Test(
        "add and delete --json print after their edit: a lost report says the file was changed (exit 4)",
        arguments: UnwritableOutput.allCases)
    func editReportAfterCommit(target: UnwritableOutput) throws {
        let (_, file) = try Self.fixture()
        let added = try htpass(["add", "--json", "--stdin", file, "bob"] + fast, stdout: target, stdin: "bob-pw\n")
        expectOutputFailure(added, target, saying: "Cannot write the output to standard output")
        #expect(added.stderr.contains("the file was changed all the same"), "\(added.stderr)")
        #expect(String(decoding: try TestSupport.readBytes(file), as: UTF8.self).contains("bob:"))
        let deleted = try htpass(["delete", "--json", file, "bob"], stdout: target)
        expectOutputFailure(deleted, target, saying: "Cannot write the output to standard output")
        #expect(deleted.stderr.contains("the file was changed all the same"), "\(deleted.stderr)")
        #expect(!String(decoding: try TestSupport.readBytes(file), as: UTF8.self).contains("bob:"))
        // Nothing changed: nothing to add to the message.
        let missing = try htpass(["delete", "--json", "--missing-ok", file, "bob"], stdout: target)
        expectOutputFailure(missing, target, saying: "Cannot write the output to standard output")
        #expect(!missing.stderr.contains("changed all the same"), "\(missing.stderr)")
    }

    @Test("apply --dry-run --json and a run with nothing to write still fail on a lost report")
    func applyWithoutWrite() throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        for options in [["--dry-run", "--json"], ["--json"]] {
            let result = try htpass(["apply", file] + options + fast, stdout: .full, stdin: "alice:alice-pw\n")
            expectOutputFailure(result, .full, saying: "to standard output")
        }
        try snapshot.expectUnchanged()
    }

    @Test("Commands that print nothing on standard output do not care where it goes")
    func nothingPrinted() throws {
        let (sandbox, file) = try Self.fixture()
        let add = try htpass(["add", "--stdin", file, "bob"] + fast, stdout: .full, stdin: "bob-pw")
        #expect(add.status == 0, "\(add.stderr)")
        #expect(try sandbox.text("users").contains("bob:"))
        let verify = try htpass(["verify", "--stdin", file, "bob"], stdout: .closedPipe, stdin: "bob-pw")
        #expect(verify.status == 0, "\(verify.stderr)")
        let apply = try htpass(["apply", file] + fast, stdout: .full, stdin: "alice:alice-pw\nbob:bob-pw\n")
        #expect(apply.status == 0, "\(apply.stderr)")
    }

    @Test("Apache's htpasswd -n exits 1 when the record cannot be written", arguments: UnwritableOutput.allCases)
    func apacheDisplay(target: UnwritableOutput) throws {
        let result = try htpass(["htpasswd", "-nbm", "bob", "bob-pw"], stdout: target)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("Cannot write the record to standard output"), "\(result.stderr)")
    }

    @Test("A generated password that is delivered is the one stored")
    func deliveredPassword() throws {
        let (sandbox, file) = try Self.fixture()
        let output = try htpass(["add", "--generate", file, "bob"] + fast)
        expectSuccess(output)
        let password = output.stdoutText.trimmingCharacters(in: .newlines)
        #expect(password.count == 20)
        try expectVerifies(file, "bob", password)
        _ = sandbox
    }

    @Test("A read-only file is not rewritten for its owner who is not root (exit 4)")
    func readOnlyFileOfItsOwner() throws {
        let (sandbox, file) = try Self.fixture()
        chown(sandbox.directory, 65534, 65534)
        chown(file, 65534, 65534)
        chmod(file, 0o444)
        let snapshot = try Snapshot(sandbox)
        for arguments in [
            ["add", "--stdin", file, "bob"] + fast, ["delete", file, "alice"],
            ["apply", "--exclusive", file, "-"] + fast,
        ] {
            let output = try htpass(arguments, stdin: "bob:bob-pw\n", options: .init(asNobody: true))
            try expectFailure(output, 4, unchanged: snapshot)
        }
    }

    @Test(
        "An edit that fails at once prints no generated password",
        arguments: [["add", "--generate", "NEW", "bob"], ["create", "--generate", "FILE", "bob"]])
    func noPasswordForFailedEdit(arguments: [String]) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(
            arguments.map { $0 == "FILE" ? file : $0 == "NEW" ? sandbox.path("new") : $0 } + fast)
        try expectFailure(output, 4, unchanged: snapshot)
    }
}

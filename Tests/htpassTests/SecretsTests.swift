import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What keeps a password inside the htpass process (issue 16, Docs/security.md "Secrets"): the one child it
/// starts, `getent`, gets neither its environment nor a program chosen through `PATH`; and the process is not
/// dumpable, with no core file, so that a crash or another process of the same user cannot read its memory.
@Suite("Secrets stay in the process")
struct SecretsTests {
    static let variable = "SECRET_VAR"
    static let secret = "hunter2-from-the-environment"

    /// A group id that /etc/group does not list, so that htpass must ask `getent` about it.
    static func groupOutsideEtcGroup() throws -> String {
        let text = String(decoding: try TestSupport.readBytes("/etc/group"), as: UTF8.self)
        let listed = Set(
            text.split(separator: "\n").compactMap {
                $0.split(separator: ":", omittingEmptySubsequences: false).dropFirst(2).first
            })
        return String((54321...).first { !listed.contains(Substring(String($0))) }!)
    }

    /// The `execve` calls of one process, as `strace -v -s 4096` prints them.
    static func execveLines(_ path: String) throws -> [String] {
        lines(String(decoding: try TestSupport.readBytes(path), as: UTF8.self)).filter { $0.hasPrefix("execve(") }
    }

    @Test(
        "The one child, getent, runs by absolute path with an empty environment: no --password-env variable, no PATH lookup"
    )
    func childGetsNoEnvironment() throws {
        let sandbox = try Sandbox()
        // A getent first on PATH, which must not run: it would leave a mark.
        let mark = sandbox.path("planted-getent-ran")
        try sandbox.write("getent", "#!/bin/sh\ntouch '\(mark)'\nexit 1\n", mode: 0o755)
        let trace = sandbox.path("trace")
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let output = try TestSupport.spawn(
            try TestSupport.locate("strace"),
            ([
                "-ff", "-v", "-qq", "-e", "trace=execve", "-s", "4096", "-o", trace, "--", TestSupport.htpassBinary,
                "add", "--create", "--group", try Self.groupOutsideEtcGroup(), sandbox.path("htpasswd"), "alice",
                "--password-env", Self.variable, "-a", "sha1",
            ]).map { Array($0.utf8) },
            environment: [Self.variable: Self.secret, "PATH": sandbox.directory + ":" + path])
        // The group exists nowhere (2), or getent knows it and the user is added (0): either way getent ran.
        #expect(output.status == 0 || output.status == 2, "\(output.status): \(output.stderrText)")

        // One trace file per process (-ff): htpass's own, then its children's.
        var processes: [(pid: Int, calls: [String])] = []
        for name in try sandbox.listing() where name.hasPrefix("trace.") {
            let pid = try #require(Int(name.dropFirst("trace.".count)))
            processes.append((pid, try Self.execveLines(sandbox.path(name))))
        }
        processes.sort { $0.pid < $1.pid }
        let own = try #require(processes.first { $0.calls.first?.contains(TestSupport.htpassBinary) == true })
        #expect(own.calls.count == 1, "htpass itself runs no other program: \(own.calls)")
        #expect(own.calls.first?.contains("\"\(Self.variable)=\(Self.secret)\"") == true, "the variable was not set")

        let children = processes.filter { $0.pid != own.pid }.flatMap(\.calls)
        #expect(!children.isEmpty, "htpass started no getent: the test proves nothing")
        for call in children {
            let program = call.dropFirst("execve(\"".count).prefix { $0 != "\"" }
            #expect(["/usr/bin/getent", "/bin/getent"].contains(String(program)), "\(call)")
            // execve(PROGRAM, [ARGUMENTS], []): the last array, the environment, is empty.
            #expect(call.contains("], []) = "), "a child got an environment: \(call)")
            #expect(!call.contains(Self.variable) && !call.contains(Self.secret), "\(call)")
        }
        #expect(!FileManager.default.fileExists(atPath: mark), "the getent found through PATH ran")
    }

    @Test(
        "Waiting at its password prompt, htpass run by an unprivileged user is not dumpable (its /proc files turn root's) and has no core limit above 0"
    )
    func notDumpable() throws {
        let sandbox = try Sandbox()
        let process = try PromptingProcess(
            asNobody: [TestSupport.htpassBinary, "add", sandbox.path("htpasswd"), "alice"])
        defer { process.stop() }
        let shown = process.read(until: "New password for alice: ", seconds: 20)
        try #require(shown.contains("New password for alice: "), "no prompt: \(shown.debugDescription)")

        let proc = "/proc/\(process.pid)"
        let status = String(decoding: try TestSupport.readBytes(proc + "/status"), as: UTF8.self)
        let uids = try #require(lines(status).first { $0.hasPrefix("Uid:") })
        #expect(uids.split(whereSeparator: \.isWhitespace).dropFirst().allSatisfy { $0 == "65534" }, "\(uids)")
        // The kernel gives the files in a process's /proc directory (not the directory itself) to root when the
        // process is not dumpable (proc(5), PR_SET_DUMPABLE): the one sign of the flag there is no field for.
        for name in ["/status", "/environ", "/mem"] {
            var info = stat()
            try #require(stat(proc + name, &info) == 0, "stat \(proc + name): \(errno)")
            #expect(info.st_uid == 0 && info.st_gid == 0, "\(proc + name) belongs to \(info.st_uid):\(info.st_gid)")
        }
        let limits = String(decoding: try TestSupport.readBytes(proc + "/limits"), as: UTF8.self)
        let core = try #require(lines(limits).first { $0.hasPrefix("Max core file size") })
        #expect(core.split(whereSeparator: \.isWhitespace).dropFirst(4).prefix(2) == ["0", "0"], "\(core)")
    }
}

/// A program started as user and group `nobody` (through `setpriv`), with no limit on core files (`prlimit`),
/// on a new pseudo-terminal, which is its standard input, output and error and its controlling terminal (so
/// `/dev/tty` works): for looking at a process while it waits at a prompt. ``TestSupport/Terminal`` answers
/// prompts but does not stop at one.
struct PromptingProcess {
    let pid: pid_t
    let terminal: CInt

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(asNobody command: [String]) throws {
        // posix_openpt(3) is this open; unlockpt(3) and ptsname(3) come through dlsym, as Swift's Glibc
        // module does not declare them.
        terminal = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        typealias Unlock = @convention(c) (CInt) -> CInt
        typealias Name = @convention(c) (CInt) -> UnsafeMutablePointer<CChar>?
        guard terminal >= 0, let unlock = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unlockpt"),
            let name = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "ptsname"),
            unsafeBitCast(unlock, to: Unlock.self)(terminal) == 0,
            let path = unsafeBitCast(name, to: Name.self)(terminal)
        else {
            throw Failure(description: "no pseudo-terminal: \(errno)")
        }
        let secondary = String(cString: path)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID (glibc's <spawn.h>; Swift's Glibc module leaves it out): a new session, which the
        // terminal opened below (without O_NOCTTY) then controls. glibc calls setsid before the file actions.
        posix_spawnattr_setflags(&attributes, 0x80)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, secondary, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, STDIN_FILENO, STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, STDIN_FILENO, STDERR_FILENO)
        // Cores allowed as far as the limits go (the suite may run with a soft limit of 0 already), so that
        // only htpass's own limit can be 0.
        let program = try TestSupport.locate("prlimit")
        let arguments =
            [
                program, "--core=unlimited:unlimited", "--", try TestSupport.locate("setpriv"), "--reuid=65534",
                "--regid=65534", "--clear-groups", "--",
            ] + command
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child = pid_t()
        let result = posix_spawn(&child, program, &actions, &attributes, argv, environ)
        guard result == 0 else {
            close(terminal)
            throw Failure(description: "cannot run \(program): \(result)")
        }
        pid = child
    }

    /// What the program writes to the terminal, until it has written `text` or `seconds` have passed.
    func read(until text: String, seconds: Double) -> String {
        var shown: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !String(decoding: shown, as: UTF8.self).contains(text) {
            var poller = pollfd(fd: terminal, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) >= 0 || errno == EINTR else { break }
            guard poller.revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(terminal, $0.baseAddress, $0.count) }
            // EIO: the program has closed the terminal (it exited).
            guard count > 0 else { break }
            shown += chunk[..<count]
        }
        return String(decoding: shown, as: UTF8.self)
    }

    /// Kills the program and waits for it.
    func stop() {
        kill(pid, SIGKILL)
        var status: CInt = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(terminal)
    }
}

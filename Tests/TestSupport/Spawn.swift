import Foundation
import Glibc

extension TestSupport {
    /// The executable `name` from the build products directory that holds the running test binary, if any.
    ///
    /// `swift test --scratch-path X` runs `X/<triple>/debug/<Package>PackageTests.xctest`; the package's
    /// executables sit beside it. Found through `/proc/self/exe`, then `CommandLine.arguments[0]`.
    public static func productNextToTests(_ name: String) -> String? {
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(exe)
        }
        if let first = CommandLine.arguments.first { candidates.append(first) }
        for candidate in candidates {
            var url = URL(fileURLWithPath: candidate).resolvingSymlinksInPath()
            // The bundle itself may be a directory (macOS) or an executable (Linux).
            for _ in 0..<4 {
                url.deleteLastPathComponent()
                let path = url.path + "/" + name
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    FileManager.default.isExecutableFile(atPath: path)
                {
                    return path
                }
            }
        }
        return nil
    }

    /// The absolute path of `program` on `PATH` (or in /usr/sbin, /sbin); throws ``MissingProgram`` when it is
    /// missing, never skips.
    public static func locate(_ program: String) throws -> String {
        if program.hasPrefix("/") { return program }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        for directory in directories {
            let candidate = directory + "/" + program
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw MissingProgram(name: program)
    }

    /// Where a spawned process runs from.
    public struct SpawnOptions: Sendable {
        /// Run in a new session, so that the child has no controlling terminal (no `/dev/tty`).
        public var newSession = true
        /// Run as user and group `nobody` (65534) when the tests run as root, so that permissions bite.
        public var asNobody = false
        /// The working directory; nil for the current one.
        public var directory: String? = nil
        public init(newSession: Bool = true, asNobody: Bool = false, directory: String? = nil) {
            self.newSession = newSession
            self.asNobody = asNobody
            self.directory = directory
        }
    }

    /// Runs `program` with byte-string arguments (any bytes but NUL, valid UTF-8 or not) and waits for it.
    ///
    /// Standard input comes from `stdin`; standard output and error are captured through files, so no
    /// pipe can fill up. By default the child runs in a new session without a controlling terminal, so a
    /// program that would prompt on `/dev/tty` cannot hang the suite when it runs in a terminal.
    ///
    /// - Parameter environment: Variables added to (or, with a nil value, removed from) this process's.
    @discardableResult
    public static func spawn(
        _ program: String, _ arguments: [[UInt8]], stdin: [UInt8] = [], environment: [String: String?] = [:],
        options: SpawnOptions = SpawnOptions()
    ) throws -> Output {
        var argv: [[UInt8]] = [Array(try locate(program).utf8)] + arguments
        if options.asNobody && geteuid() == 0 {
            argv =
                ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"].map { Array($0.utf8) }
                + argv
        }
        if let directory = options.directory {
            // posix_spawn has no portable chdir; let a shell do it.
            argv =
                [
                    Array("/bin/sh".utf8), Array("-c".utf8), Array("cd \"$0\" && exec \"$@\"".utf8),
                    Array(directory.utf8),
                ]
                + argv
        }
        let executable = String(decoding: argv[0], as: UTF8.self)
        let resolved = try locate(executable)
        argv[0] = Array(resolved.utf8)

        let scratch = try temporaryDirectory("htpass-spawn")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try writeBytes(stdin, to: scratch + "/stdin")

        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        let envp = env.map { Array("\($0.key)=\($0.value)".utf8) }

        func cStrings(_ list: [[UInt8]]) -> [UnsafeMutablePointer<CChar>?] {
            list.map { bytes in
                let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
                for (index, byte) in bytes.enumerated() { pointer[index] = CChar(bitPattern: byte) }
                pointer[bytes.count] = 0
                return pointer
            } + [nil]
        }
        let cArgv = cStrings(argv)
        let cEnvp = cStrings(envp)
        defer {
            for pointer in cArgv { pointer?.deallocate() }
            for pointer in cEnvp { pointer?.deallocate() }
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, scratch + "/stdin", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, scratch + "/stdout", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, scratch + "/stderr", O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags: Int32 = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if options.newSession { flags |= 0x80 }  // POSIX_SPAWN_SETSID
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, resolved, &actions, &attributes, cArgv, cEnvp)
        guard spawned == 0 else {
            throw SpawnError(program: resolved, message: String(cString: strerror(spawned)))
        }
        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) == -1 {
            guard errno == EINTR else { throw SpawnError(program: resolved, message: "waitpid failed") }
        }
        let status: Int32 =
            if waitStatus & 0x7f == 0 {
                (waitStatus >> 8) & 0xff  // exited
            } else {
                128 + (waitStatus & 0x7f)  // killed by a signal
            }
        return Output(
            status: status, stdout: try readBytes(scratch + "/stdout"), stderr: try readBytes(scratch + "/stderr"))
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var program: String
        public var message: String
        public var description: String { "cannot run \(program): \(message)" }
    }
}

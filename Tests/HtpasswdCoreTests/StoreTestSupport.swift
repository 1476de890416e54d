import Foundation
import Glibc
import HtpasswdCore
import TestSupport
import Testing

/// Helpers for the store tests: the StoreTool binary, child processes, mounts and file status.
enum StoreSupport {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The StoreTool built next to the test binary: `$STORETOOL_BIN`, the directory of this test binary
    /// (`.build/debug`, or a `--scratch-path` build), or the directory of the `htpass` under test.
    static let storeTool: String = {
        var candidates: [String] = []
        if let path = ProcessInfo.processInfo.environment["STORETOOL_BIN"], !path.isEmpty { candidates.append(path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            directory.deleteLastPathComponent()
            candidates.append(directory.path + "/StoreTool")
        }
        if let executable = Bundle.main.executablePath {
            candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().path + "/StoreTool")
        }
        candidates.append(
            URL(fileURLWithPath: TestSupport.htpassBinary).deletingLastPathComponent().path + "/StoreTool")
        candidates.append(TestSupport.packageRoot + "/.build/debug/StoreTool")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }()

    static func requireStoreTool() throws -> String {
        guard FileManager.default.isExecutableFile(atPath: storeTool) else {
            throw Failure(description: "StoreTool is not built at \(storeTool); run 'swift build --build-tests'")
        }
        return storeTool
    }

    /// Runs StoreTool to completion.
    @discardableResult
    static func run(_ arguments: [String], as user: (uid: Int, gid: Int)? = nil) throws -> TestSupport.Output {
        let tool = try requireStoreTool()
        if let user {
            return try TestSupport.run(
                "/usr/bin/setpriv", ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", tool] + arguments)
        }
        return try TestSupport.run(tool, arguments)
    }

    /// Starts StoreTool with stdout and stderr sent to `output` (or /dev/null) and returns its process id.
    /// - Parameters:
    ///   - lockTimeout: The store's lock timeout in the child, in seconds; nil for the default (10).
    ///   - writeMode: The store's write mode in the child (`auto`, `rename`, `in-place`); nil for auto.
    static func spawn(
        _ arguments: [String], output: String = "/dev/null", lockTimeout: Double? = nil, writeMode: String? = nil
    ) throws -> pid_t {
        let tool = try requireStoreTool()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([tool] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environment = ProcessInfo.processInfo.environment
        environment["STORETOOL_LOCK_TIMEOUT"] = lockTimeout.map { "\($0)" }
        environment["STORETOOL_WRITE_MODE"] = writeMode
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, tool, &actions, nil, argv, envp)
        guard result == 0 else { throw Failure(description: "posix_spawn: \(String(cString: strerror(result)))") }
        return pid
    }

    /// Waits for `pid`; returns its exit status, or 128 + the signal that ended it.
    @discardableResult
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// A StoreTool started with a pipe on stdout, for commands that say when they hold the lock.
    final class Holder {
        let process = Process()
        private let pipe = Pipe()

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: try StoreSupport.requireStoreTool())
            process.arguments = arguments
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// Blocks until the tool prints `line`; false if it exits first.
        func waitFor(_ line: String) -> Bool {
            var seen = Data()
            while true {
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty { return false }
                seen += chunk
                if String(decoding: seen, as: UTF8.self).contains(line + "\n") { return true }
            }
        }

        func kill() {
            if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    /// Runs `body` with a fresh tmpfs of `size` mounted on a new directory, and unmounts it on every path.
    static func withTmpfs<T>(size: String, _ body: (String) throws -> T) throws -> T {
        let directory = try TestSupport.temporaryDirectory("htpass-tmpfs")
        let mount = try TestSupport.run(
            "/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0755", "tmpfs", directory])
        guard mount.status == 0 else { throw Failure(description: "mount failed: \(mount.stderrText)") }
        defer {
            // Lazy, so that a test that failed with a descriptor still open cannot leave the mount behind.
            _ = try? TestSupport.run("/usr/bin/umount", ["-l", directory])
            rmdir(directory)
        }
        return try body(directory)
    }

    /// Remounts the tmpfs at `directory` read-only (or back read-write).
    static func remount(_ directory: String, readOnly: Bool) throws {
        let result = try TestSupport.run("/usr/bin/mount", ["-o", "remount," + (readOnly ? "ro" : "rw"), directory])
        guard result.status == 0 else { throw Failure(description: "remount failed: \(result.stderrText)") }
    }

    static func status(_ path: String, followingLinks: Bool = true) throws -> stat {
        var info = stat()
        let result = followingLinks ? stat(path, &info) : lstat(path, &info)
        guard result == 0 else { throw Failure(description: "stat \(path): \(String(cString: strerror(errno)))") }
        return info
    }

    /// The names in `directory`, without `.` and `..`.
    static func listing(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    /// Names in `directory` that look like a temporary file of the store.
    static func temporaryFiles(in directory: String) throws -> [String] {
        try listing(directory).filter { $0.contains("htpass-tmp") }
    }

    /// Names in `directory` that an interrupted edit leaves: a temporary file or a journal.
    static func leftovers(in directory: String) throws -> [String] {
        try listing(directory).filter { $0.contains("htpass-tmp") || $0.contains("htpass-journal") }
    }

    /// One read of a file by a reader racing writers: when it started and ended (monotonic clock, ns),
    /// and whether what it read was a state the file may be in (old or new).
    struct Read {
        var start: UInt64
        var end: UInt64
        var whole: Bool
    }

    /// The runs of consecutive reads that saw neither old nor new content: how many reads each, and how
    /// long each lasted (from the start of its first read to the end of its last, an upper bound).
    static func transientEpisodes(_ reads: [Read]) -> [(reads: Int, nanoseconds: UInt64)] {
        var episodes: [(reads: Int, nanoseconds: UInt64)] = []
        var current: (first: Read, last: Read, count: Int)?
        for read in reads.sorted(by: { $0.start < $1.start }) {
            if !read.whole {
                if let open = current {
                    current = (open.first, read, open.count + 1)
                } else {
                    current = (read, read, 1)
                }
            } else if let open = current {
                episodes.append((open.count, open.last.end - open.first.start))
                current = nil
            }
        }
        if let open = current { episodes.append((open.count, open.last.end - open.first.start)) }
        return episodes
    }

    /// A one-line summary of ``transientEpisodes(_:)`` for the test log.
    static func describeEpisodes(_ episodes: [(reads: Int, nanoseconds: UInt64)]) -> String {
        guard !episodes.isEmpty else { return "no read saw a mix" }
        let spans = episodes.map(\.nanoseconds).sorted()
        let microseconds = { (value: UInt64) in String(format: "%.0f µs", Double(value) / 1000) }
        return "\(episodes.map(\.reads).reduce(0, +)) reads in \(episodes.count) episodes saw a mix; "
            + "episode length median \(microseconds(spans[spans.count / 2])), max \(microseconds(spans.last!)), "
            + "at most \(episodes.map(\.reads).max()!) consecutive reads"
    }

    /// Lines of the form `user:hash` (user and hash without `:`), as the generated files hold.
    static func users(in bytes: [UInt8]) -> [String]? {
        guard bytes.isEmpty || bytes.last == 0x0A else { return nil }
        var users: [String] = []
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            let fields = line.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            guard fields.count == 2, !fields[0].isEmpty, fields[1].count == apr1Hash.count else { return nil }
            users.append(String(decoding: fields[0], as: UTF8.self))
        }
        return users
    }

    /// A realistic apr1 hash (37 bytes) for generated files.
    static let apr1Hash = "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/"

    /// `count` lines `PREFIXn:hash\n`.
    static func generatedFile(users count: Int, prefix: String = "user") -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 50)
        for index in 0..<count { bytes += Array("\(prefix)\(index):\(apr1Hash)\n".utf8) }
        return bytes
    }
}

extension stat {
    var inode: UInt { UInt(st_ino) }
    var permissions: UInt32 { UInt32(st_mode) & 0o7777 }
    var isRegularFile: Bool { st_mode & S_IFMT == S_IFREG }
}

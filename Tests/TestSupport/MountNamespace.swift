import Foundation
import Glibc

/// A private mount namespace set up as a container sees an htpasswd file that is bind-mounted alone
/// (`docker run -v ./htpasswd:/etc/nginx/htpasswd:ro`), made with the real tools: `unshare -m
/// --propagation private`, then `mount --bind` of the host's file onto a file in the namespace.
///
/// Optionally the namespace first gets a tmpfs of its own on a directory (``privateDirectory``), as a
/// container has its own root file system: files created there from inside the namespace (htpass's
/// temporary file and journal) are invisible from the host, as they would be in a container. From the
/// host, the namespace's view of a path is `/proc/PID/root/PATH` (see ``view(_:)``).
///
/// The tests that use it need root, as CI has; ``requireRoot()`` fails them with a clear message
/// otherwise, never skips them.
public final class MountNamespace: @unchecked Sendable {
    /// A file bind-mounted alone into the namespace.
    public struct Bind: Sendable {
        /// The host's file.
        public var source: String
        /// Where it appears in the namespace; created empty first if missing.
        public var target: String
        public var readOnly: Bool

        public init(_ source: String, at target: String, readOnly: Bool) {
            self.source = source
            self.target = target
            self.readOnly = readOnly
        }
    }

    /// A process in the namespace: the one started by ``init(privateDirectory:binds:)``, or one that
    /// was started through ``command(privateDirectory:binds:)`` (nginx).
    public let processID: pid_t
    private let owned: Bool

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Fails unless the tests run as root: `unshare -m` and `mount` need it.
    public static func requireRoot() throws {
        guard geteuid() == 0 else {
            throw Failure(
                description:
                    "this test needs root (unshare -m, mount --bind, nsenter), as CI has; run the tests as root")
        }
    }

    /// The command prefix that runs a program in a new private mount namespace after making the mounts:
    /// append the program and its arguments. The program keeps the prefix's process id (unshare and the
    /// shell exec it), so `nsenter -t PID -m` enters the namespace.
    public static func command(privateDirectory: String? = nil, binds: [Bind]) throws -> [String] {
        // $1: the private directory or ""; then SOURCE TARGET OPTION triples up to "--"; then the program.
        let script = """
            set -e
            if [ -n "$1" ]; then mount -t tmpfs -o size=128m,mode=0755 htpass-test "$1"; fi
            shift
            while [ "$1" != "--" ]; do
                [ -e "$2" ] || : > "$2"
                mount --bind -o "$3" "$1" "$2"
                shift 3
            done
            shift
            exec "$@"
            """
        var command = [
            try TestSupport.locate("unshare"), "-m", "--propagation", "private", "--", "/bin/sh", "-c", script,
            "htpass-mount-namespace", privateDirectory ?? "",
        ]
        for bind in binds { command += [bind.source, bind.target, bind.readOnly ? "ro" : "rw"] }
        return command + ["--"]
    }

    /// A new namespace with these mounts, held by a sleeping process until ``stop()``.
    public init(privateDirectory: String? = nil, binds: [Bind]) throws {
        try Self.requireRoot()
        let log = try TestSupport.temporaryDirectory("htpass-ns") + "/stderr"
        let argv = try Self.command(privateDirectory: privateDirectory, binds: binds) + ["sleep", "100000"]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let cArgv = argv.map { strdup($0) } + [nil]
        defer { cArgv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, nil, cArgv, environ)
        guard result == 0 else {
            throw Failure(description: "cannot run unshare: \(String(cString: strerror(result)))")
        }
        // Ready once the shell has made the mounts and become `sleep`.
        for _ in 0..<1000 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let message = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw Failure(description: "the mount namespace could not be set up: \(message)")
            }
            if let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8), name == "sleep\n" {
                processID = pid
                owned = true
                return
            }
            usleep(5_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, nil, 0)
        throw Failure(description: "the mount namespace was not ready after 5 s")
    }

    /// The namespace of a process started through ``command(privateDirectory:binds:)``; not stopped by
    /// this object.
    public init(joining processID: pid_t) {
        self.processID = processID
        owned = false
    }

    /// Ends the holding process, and with it the namespace and its mounts.
    public func stop() {
        guard owned else { return }
        if kill(processID, SIGKILL) == 0 { waitpid(processID, nil, 0) }
    }

    deinit { stop() }

    /// `path` as seen inside the namespace, reachable from the host.
    public func view(_ path: String) -> String { "/proc/\(processID)/root" + path }

    /// The prefix that runs a program inside the namespace.
    public var enter: [String] { ["nsenter", "-t", String(processID), "-m", "--"] }

    /// Runs `program` inside the namespace and waits for it (see ``TestSupport/spawn(_:_:stdin:environment:options:)``).
    @discardableResult
    public func run(
        _ program: String, _ arguments: [String], stdin: [UInt8] = [], environment: [String: String?] = [:]
    ) throws -> TestSupport.Output {
        let argv = Array(enter.dropFirst()) + [try TestSupport.locate(program)] + arguments
        return try TestSupport.spawn(
            enter[0], argv.map { Array($0.utf8) }, stdin: stdin, environment: environment)
    }

    /// The mount table of the namespace, as `/proc/PID/mountinfo` shows it.
    public var mountTable: String {
        (try? String(contentsOfFile: "/proc/\(processID)/mountinfo", encoding: .utf8)) ?? ""
    }
}

extension TestSupport {
    /// The value of the extended attribute `name` of `path`, read with `getfattr` (the `attr` package);
    /// nil if the file does not have it.
    public static func extendedAttribute(_ name: String, of path: String) throws -> String? {
        let output = try run(try locate("getfattr"), ["--only-values", "--absolute-names", "-n", name, path])
        if output.status == 0 { return output.stdoutText }
        if output.stderrText.contains("No such attribute") { return nil }
        throw MountNamespace.Failure(description: "getfattr \(path): \(output.stderrText)")
    }

    /// The inode number of `path` (following links).
    public static func inode(_ path: String) throws -> UInt64 {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw MountNamespace.Failure(description: "stat \(path): \(String(cString: strerror(errno)))")
        }
        return UInt64(info.st_ino)
    }

    /// The monotonic clock, in nanoseconds: the clock StoreTool's `watch` stamps its reads with.
    public static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

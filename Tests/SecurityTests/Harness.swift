import Foundation
import Glibc
import TestSupport
import Testing

// The harness of issue 16's adversarial suite: two unprivileged accounts, scenes of directories with
// chosen owners and modes, the attacker's steps run with setpriv, snapshots that prove nothing was written,
// and processes that run in the background (lock holders, a blocked htpass).
//
// Everything runs as real processes: the attacker is a real uid, so the kernel's permission checks (not a
// model of them) decide what the attacker can plant, and htpass is the built binary, run by root as admins
// run it. The suite needs root, as CI has; it fails rather than skips without it.

/// A local account the suite uses: made once if missing, never removed (creation is idempotent).
struct Account: Sendable, CustomStringConvertible {
    let name: String
    let uid: uid_t
    let gid: gid_t
    var description: String { "\(name) (\(uid))" }
}

/// The suite's accounts: an attacker, another ordinary user, and a group of which only `other` is a member.
struct Accounts: Sendable {
    let attacker: Account
    let other: Account
    /// `htpass-writers`: `other` is a member, `attacker` is not. Files of the journal tests are
    /// `0660 root:htpass-writers`.
    let writers: gid_t

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Made once per test process: `static let` initialisation runs once, whatever runs in parallel.
    private static let made: Result<Accounts, any Error> = Result { try make() }

    /// The accounts, made if missing; fails (never skips) when the tests do not run as root.
    static func require() throws -> Accounts {
        guard geteuid() == 0 else {
            throw Failure(description: "the security tests need root (useradd, chown, setpriv), as CI has")
        }
        return try made.get()
    }

    private static func make() throws -> Accounts {
        let attacker = try account("htpass-attacker")
        let other = try account("htpass-other")
        let writers = try group("htpass-writers")
        // Idempotent: -a adds the group if it is not there yet.
        let usermod = try TestSupport.run(
            try TestSupport.locate("usermod"), ["-a", "-G", "htpass-writers", other.name])
        guard usermod.status == 0 else { throw Failure(description: "usermod: \(usermod.stderrText)") }
        return Accounts(attacker: attacker, other: other, writers: writers)
    }

    private static func account(_ name: String) throws -> Account {
        if let found = lookUp(name) { return found }
        let made = try TestSupport.run(
            try TestSupport.locate("useradd"),
            ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name])
        // Another test process may have made it meanwhile: look again before failing.
        guard let found = lookUp(name) else {
            throw Failure(description: "useradd \(name) failed (status \(made.status)): \(made.stderrText)")
        }
        return found
    }

    private static func lookUp(_ name: String) -> Account? {
        guard let entry = getpwnam(name) else { return nil }
        return Account(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    private static func group(_ name: String) throws -> gid_t {
        if let entry = getgrnam(name) { return entry.pointee.gr_gid }
        let made = try TestSupport.run(try TestSupport.locate("groupadd"), ["--system", name])
        guard let entry = getgrnam(name) else {
            throw Failure(description: "groupadd \(name) failed (status \(made.status)): \(made.stderrText)")
        }
        return entry.pointee.gr_gid
    }
}

/// The command prefix that runs a program as `account`, with its primary group and no other.
func asUser(_ account: Account) -> [String] {
    ["/usr/bin/setpriv", "--reuid=\(account.uid)", "--regid=\(account.gid)", "--clear-groups", "--"]
}

/// The system's python3 (not the test virtual environment: the attacker must be able to run it, and only the
/// standard library's `fcntl` is needed), isolated from the caller's environment and user site.
let python = ["/usr/bin/python3", "-I", "-c"]

// MARK: Scenes

/// A directory tree for one test, under /tmp (so that every account can reach it: its ancestors are `/` and the
/// sticky `/tmp`, both root's), removed by ``remove()``.
final class Scene: @unchecked Sendable {
    let base: String
    let accounts: Accounts

    /// `alice` and `bob`, as every scene's htpasswd files start.
    static let users = Array("alice:{SHA}Zu+OQTq7q8D8kRt1CqqJaMTaTHQ=\nbob:{SHA}Zu+OQTq7q8D8kRt1CqqJaMTaTHQ=\n".utf8)
    /// A root-only file that parses as an htpasswd file with the users every command touches, so that code
    /// that follows a planted link really edits it (and the test sees that), rather than stopping at a
    /// missing user.
    static let secret = Array(
        ("alice:{SHA}Zu+OQTq7q8D8kRt1CqqJaMTaTHQ=\nbob:{SHA}Zu+OQTq7q8D8kRt1CqqJaMTaTHQ=\n"
            + "root-secret:{SHA}c2VjcmV0LW1hcmtlci0wMTIzNDU2Nzg5\n").utf8)
    static let secretMarker = Array("root-secret".utf8)

    init(_ label: String) throws {
        accounts = try Accounts.require()
        var template = Array("/tmp/htpass-security-\(label)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw Accounts.Failure(description: "mkdtemp: \(String(cString: strerror(errno)))")
        }
        base = String(cString: made)
        TemporaryDirectories.register(base)
        chmod(base, 0o755)
    }

    func path(_ relative: String) -> String { base + "/" + relative }

    /// A directory `relative`, owned by `owner` (root if nil) and `group` (the owner's if nil), with `mode`
    /// (set after chown, so that a sticky bit stays).
    @discardableResult
    func directory(_ relative: String, mode: mode_t, owner: Account? = nil, group: gid_t? = nil) throws -> String {
        let path = path(relative)
        guard mkdir(path, 0o700) == 0 else { throw failure("mkdir", path) }
        try own(path, owner: owner?.uid ?? 0, group: group ?? owner?.gid ?? 0, mode: mode)
        return path
    }

    /// A regular file `relative` holding `bytes`, with the owner, group and mode given (mode after chown,
    /// which clears set-id bits).
    @discardableResult
    func file(
        _ relative: String, _ bytes: [UInt8] = Scene.users, mode: mode_t, owner: uid_t = 0, group: gid_t = 0
    ) throws -> String {
        let path = path(relative)
        try TestSupport.writeBytes(bytes, to: path)
        try own(path, owner: owner, group: group, mode: mode)
        return path
    }

    /// The root-only secret: `secret/` (0700 root) holding `htpasswd` (0600 root, ``secret``).
    func rootOnlySecret() throws -> String {
        try directory("secret", mode: 0o700)
        return try file("secret/htpasswd", Scene.secret, mode: 0o600)
    }

    /// A symbolic link made by `account` itself (so the kernel checks it may: a link in a directory it cannot
    /// write fails here, not in htpass), or by root when `account` is nil.
    func link(_ relative: String, to target: String, as account: Account?) throws {
        let path = path(relative)
        if let account {
            try run(["/bin/ln", "-s", target, path], as: account)
        } else {
            guard symlink(target, path) == 0 else { throw failure("symlink", path) }
        }
        var info = stat()
        guard lstat(path, &info) == 0, info.st_uid == account?.uid ?? 0 else { throw failure("lstat", path) }
    }

    /// The attacker's swap: a link to `target` made beside `path`, then renamed over it (rename(2), so the
    /// name never goes missing in between, as a real attacker would do it to win a race).
    func swapInLink(to target: String, at path: String) throws {
        try run(
            ["/bin/sh", "-c", "ln -s \"$1\" \"$2.planted\" && mv -T \"$2.planted\" \"$2\"", "sh", target, path],
            as: accounts.attacker)
    }

    /// Runs `argv` as `account`; fails unless it succeeds.
    func run(_ argv: [String], as account: Account) throws {
        let prefix = asUser(account)
        let output = try TestSupport.run(prefix[0], Array(prefix.dropFirst()) + argv)
        guard output.status == 0 else {
            throw Accounts.Failure(description: "\(argv) as \(account): status \(output.status): \(output.stderrText)")
        }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: base)
    }

    private func own(_ path: String, owner: uid_t, group: gid_t, mode: mode_t) throws {
        guard lchown(path, owner, group) == 0 else { throw failure("chown", path) }
        guard chmod(path, mode) == 0 else { throw failure("chmod", path) }
    }

    private func failure(_ call: String, _ path: String) -> Accounts.Failure {
        Accounts.Failure(description: "\(call) \(path): \(String(cString: strerror(errno)))")
    }
}

/// The status of `path` without following a link; nil if there is nothing.
func status(_ path: String) -> stat? {
    var info = stat()
    return lstat(path, &info) == 0 ? info : nil
}

/// The target of the symbolic link `path`; nil if it is not one.
func linkTarget(_ path: String) -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: path)
}

/// The user names of an htpasswd file's lines, in order.
func userNames(_ bytes: [UInt8]) -> [String] {
    String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { String($0.prefix { $0 != ":" }) }
}

func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, bytes.count >= needle.count else { return false }
    for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
        if Array(bytes[start..<(start + needle.count)]) == needle { return true }
    }
    return false
}

// MARK: Snapshots

/// Everything under a directory that a write could change: each name's type, mode, owner, identity,
/// size, times of change, link target and content. Two equal snapshots mean nothing was created, removed,
/// written, renamed, chmod-ed or chown-ed (access times are left out: reading is allowed).
struct Tree: Equatable, CustomStringConvertible {
    struct Node: Equatable {
        var type: mode_t
        var mode: mode_t
        var owner: uid_t
        var group: gid_t
        var inode: UInt64
        var size: Int
        var modified: [Int]
        var changed: [Int]
        var link: String?
        var bytes: [UInt8]?
    }

    var nodes: [String: Node] = [:]

    static func snapshot(_ root: String) throws -> Tree {
        var tree = Tree()
        try tree.add(root, as: ".")
        return tree
    }

    private mutating func add(_ path: String, as name: String) throws {
        guard let info = status(path) else { return }
        let type = info.st_mode & S_IFMT
        var node = Node(
            type: type, mode: info.st_mode & 0o7777, owner: info.st_uid, group: info.st_gid, inode: UInt64(info.st_ino),
            size: Int(info.st_size), modified: [info.st_mtim.tv_sec, info.st_mtim.tv_nsec],
            changed: [info.st_ctim.tv_sec, info.st_ctim.tv_nsec])
        if type == S_IFLNK { node.link = linkTarget(path) }
        if type == S_IFREG { node.bytes = try? TestSupport.readBytes(path) }
        nodes[name] = node
        if type == S_IFDIR {
            for child in try FileManager.default.contentsOfDirectory(atPath: path) {
                try add(path + "/" + child, as: name == "." ? child : name + "/" + child)
            }
        }
    }

    /// What differs from `earlier`, one line per name.
    func changes(since earlier: Tree) -> [String] {
        var lines: [String] = []
        for name in Set(nodes.keys).union(earlier.nodes.keys).sorted() {
            switch (earlier.nodes[name], nodes[name]) {
            case (nil, let now?):
                lines.append("created \(name) (mode \(String(now.mode, radix: 8)), owner \(now.owner))")
            case (_?, nil): lines.append("removed \(name)")
            case (let before?, let now?) where before != now:
                var what: [String] = []
                if before.type != now.type { what.append("type") }
                if before.mode != now.mode {
                    what.append("mode \(String(before.mode, radix: 8)) -> \(String(now.mode, radix: 8))")
                }
                if before.owner != now.owner || before.group != now.group { what.append("owner") }
                if before.inode != now.inode { what.append("inode (replaced)") }
                if before.bytes != now.bytes { what.append("content") }
                if before.link != now.link { what.append("link target") }
                if what.isEmpty { what.append("times") }
                lines.append("changed \(name): " + what.joined(separator: ", "))
            default: break
            }
        }
        return lines
    }

    var description: String { nodes.keys.sorted().joined(separator: ", ") }
}

// MARK: Running htpass

/// A finished run, and how long it took.
struct Run: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var seconds: Double

    var description: String {
        "status \(status) after \(String(format: "%.2f", seconds)) s; stderr: \(stderr.debugDescription); stdout: \(stdout.prefix(400).debugDescription)"
    }

    /// Standard error's non-empty lines.
    var stderrLines: [Substring] { stderr.split(separator: "\n") }
}

enum Htpass {
    /// The binary under test, as the other process-level targets find it (HTPASS_BIN, else next to the test
    /// bundle in any scratch path). An unprivileged user runs it too: if some ancestor directory is closed to
    /// others, a copy in a root-owned 0755 directory is used instead.
    static let binary: Result<String, any Error> = Result {
        let path = TestSupport.htpassBinary
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Accounts.Failure(
                description: "no htpass binary at \(path): run 'swift build --build-tests', or set HTPASS_BIN")
        }
        var ancestor = URL(fileURLWithPath: path)
        var everyoneReaches = true
        while ancestor.path != "/" {
            if let info = status(ancestor.path), info.st_mode & 0o001 == 0 { everyoneReaches = false }
            ancestor.deleteLastPathComponent()
        }
        if everyoneReaches { return path }
        var template = Array("/tmp/htpass-security-bin-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Accounts.Failure(description: "mkdtemp for the binary") }
        let copy = String(cString: made) + "/htpass"
        TemporaryDirectories.register(String(cString: made))
        chmod(String(cString: made), 0o755)
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        chmod(copy, 0o755)
        return copy
    }

    static func path() throws -> String { try binary.get() }

    /// Runs htpass with `arguments` as root (or as `account`), standard input `stdin`, in a new session (no
    /// terminal to prompt on), and waits for it.
    static func run(_ arguments: [String], stdin: String = "", as account: Account? = nil) throws -> Run {
        var argv = [try path()] + arguments
        if let account { argv = asUser(account) + argv }
        let start = TestSupport.monotonicNanoseconds()
        let output = try TestSupport.spawn(
            argv[0], argv.dropFirst().map { Array($0.utf8) }, stdin: Array(stdin.utf8),
            environment: ["HTPASS_WRITE_MODE": nil, "HTPASS_TARGET": nil])
        let seconds = Double(TestSupport.monotonicNanoseconds() - start) / 1e9
        return Run(status: output.status, stdout: output.stdoutText, stderr: output.stderrText, seconds: seconds)
    }
}

/// An editing command of htpass, with the arguments and input each test gives it, and what it makes of a
/// file holding ``Scene/users`` (alice and bob).
enum Edit: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case add
    case addCreate = "add --create"
    case delete
    case create
    case createForce = "create --force"
    case apply
    case applyCreate = "apply --create"
    case applyExclusive = "apply --exclusive"
    case recover

    /// The commands that edit an existing file, as the issue lists them.
    static let editing: [Edit] = [.add, .addCreate, .delete, .createForce, .apply, .applyExclusive, .recover]
    /// The commands that may create the file.
    static let creating: [Edit] = [.addCreate, .create, .createForce, .applyCreate]

    var testDescription: String { "htpass \(rawValue)" }

    /// The command line for `file`: a lock timeout of `lockTimeout` seconds, `extra` options after the
    /// subcommand (recover takes no write mode: they are left out for it).
    func arguments(_ file: String, lockTimeout: Int = 3, extra: [String] = []) -> [String] {
        let words = rawValue.split(separator: " ").map(String.init)
        let options = ["--lock-timeout", String(lockTimeout)] + (self == .recover ? [] : extra)
        switch self {
        case .add, .addCreate:
            return words + options + ["--stdin", "--cost", "4", file, "carol"]
        case .delete:
            return words + options + [file, "alice"]
        case .create, .createForce, .recover:
            return words + options + [file]
        case .apply, .applyCreate, .applyExclusive:
            return words + options + ["--cost", "4", file, "-"]
        }
    }

    var standardInput: String {
        switch self {
        case .add, .addCreate: "carol-pw"
        case .apply, .applyCreate, .applyExclusive: "carol:carol-pw\n"
        default: ""
        }
    }

    /// The users of the file after this command succeeds on alice and bob.
    var usersAfter: [String] {
        switch self {
        case .add, .addCreate, .apply, .applyCreate: ["alice", "bob", "carol"]
        case .delete: ["bob"]
        case .create, .createForce: []
        case .applyExclusive: ["carol"]
        case .recover: ["alice", "bob"]
        }
    }

    func run(_ file: String, lockTimeout: Int = 3, extra: [String] = [], as account: Account? = nil) throws -> Run {
        try Htpass.run(arguments(file, lockTimeout: lockTimeout, extra: extra), stdin: standardInput, as: account)
    }
}

// MARK: Processes in the background

/// A process that runs while the test acts: a lock holder, or an htpass run that should block. Its output
/// goes to files that the test polls. Killed, if still running, when released.
final class Background: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    private let directory: String
    let argv: [String]

    /// Starts `argv`; with `stdin`, writes it and closes standard input at once, else keeps it open until
    /// ``closeInput()`` (the lock holders hold their lock until then).
    init(_ argv: [String], stdin: [UInt8]? = nil) throws {
        self.argv = argv
        directory = try TestSupport.temporaryDirectory("htpass-security-process")
        _ = FileManager.default.createFile(atPath: directory + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: directory + "/err", contents: nil)
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        var environment = ProcessInfo.processInfo.environment
        environment["HTPASS_WRITE_MODE"] = nil
        process.environment = environment
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/err"))
        try process.run()
        if let stdin {
            try? input.fileHandleForWriting.write(contentsOf: Data(stdin))
            closeInput()
        }
    }

    /// htpass with `arguments`, as root.
    static func htpass(_ arguments: [String], stdin: String) throws -> Background {
        try Background([try Htpass.path()] + arguments, stdin: Array(stdin.utf8))
    }

    /// A python3 script that holds a lock until its standard input closes, as `account` (root if nil); it
    /// prints `locked` once it holds it.
    static func lockHolder(_ script: String, _ arguments: [String], as account: Account? = nil) throws -> Background {
        let holder = """
            import fcntl, os, sys
            \(script)
            print("locked", flush=True)
            sys.stdin.read()
            """
        return try Background((account.map(asUser) ?? []) + python + [holder] + arguments)
    }

    var pid: pid_t { process.processIdentifier }
    var stdoutText: String { (try? String(contentsOfFile: directory + "/out", encoding: .utf8)) ?? "" }
    var stderrText: String { (try? String(contentsOfFile: directory + "/err", encoding: .utf8)) ?? "" }

    /// Waits until `condition` holds or `seconds` pass; whether it held.
    func wait(seconds: Double, until condition: (Background) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(self) { return true }
            usleep(20_000)
        }
        return condition(self)
    }

    /// Waits for a lock holder to say it holds the lock; fails if it died or did not say so in 10 s.
    func requireLocked() throws {
        let ready = wait(seconds: 10) { $0.stdoutText.contains("locked") || !$0.process.isRunning }
        guard ready, process.isRunning else {
            throw Accounts.Failure(description: "the lock holder \(argv) did not take its lock: \(stderrText)")
        }
    }

    func closeInput() { try? input.fileHandleForWriting.close() }

    /// The exit status, once the process has ended within `seconds`; nil if it still runs.
    func exitStatus(within seconds: Double) -> Int32? {
        _ = wait(seconds: seconds) { !$0.process.isRunning }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Ends the process if it still runs (SIGKILL), and removes its output files.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        closeInput()
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }
}

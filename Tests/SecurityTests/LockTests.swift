import Foundation
import Glibc
import TestSupport
import Testing

/// The python3 lines that take a writer's lock as another htpass-compatible writer does: a POSIX record lock
/// (`lockf`, which is `fcntl(F_SETLKW)`), exclusive, on the file opened for reading and writing. POSIX locks
/// and OFD locks conflict with each other, so htpass's OFD write lock waits for it.
let writerLock = "fd = os.open(sys.argv[1], os.O_RDWR); fcntl.lockf(fd, fcntl.LOCK_EX)"
/// A reader's POSIX read lock: all it needs is a descriptor open for reading.
let readerLock = "fd = os.open(sys.argv[1], os.O_RDONLY); fcntl.lockf(fd, fcntl.LOCK_SH)"
/// `flock(LOCK_EX)` on every path given (directories and files opened read-only: flock needs no write access).
let flockEverything = """
    fds = [os.open(p, os.O_RDONLY) for p in sys.argv[1:]]
    for fd in fds: fcntl.flock(fd, fcntl.LOCK_EX)
    """

/// What the attacker swaps in for the htpasswd file while root's edit waits.
enum SwapTarget: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case rootOnlyFile = "a root-only 0600 file"
    case setuidBinary = "a setuid-root binary (a copy of /usr/bin/id, 4755)"

    var testDescription: String { rawValue }

    /// Makes it under `secret/` (0700 root); its path.
    func make(in scene: Scene) throws -> String {
        switch self {
        case .rootOnlyFile:
            return try scene.rootOnlySecret()
        case .setuidBinary:
            try scene.directory("secret", mode: 0o700)
            return try scene.file("secret/tool", try TestSupport.readBytes("/usr/bin/id"), mode: 0o4755)
        }
    }
}

/// A directory of root's that the attacker may write, holding root's htpasswd file. (Not one the attacker
/// owns: the safe walk refuses root's file there outright, before any lock, as PlantedLinkTests checks.)
enum WritableDirectory: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case groupWritable = "in root's directory that the attacker's group may write (0770)"
    case worldWritable = "in root's world-writable 0777 directory (not sticky)"

    var testDescription: String { rawValue }

    /// Makes it with `htpasswd` (root, 0644, alice and bob) in it; the file's path.
    func make(in scene: Scene) throws -> String {
        switch self {
        case .groupWritable: try scene.directory("dir", mode: 0o770, group: scene.accounts.attacker.gid)
        case .worldWritable: try scene.directory("dir", mode: 0o777)
        }
        return try scene.file("dir/htpasswd", mode: 0o644)
    }
}

/// Checks that nothing of `secret` reached `directory`: no regular file there holds its bytes, or is
/// set-id; and that `secret`'s own directory is as `before`.
func expectSecretKept(
    _ secret: String, _ secretBefore: Tree, directory: String, _ context: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let secretDirectory = URL(fileURLWithPath: secret).deletingLastPathComponent().path
    let changes = try Tree.snapshot(secretDirectory).changes(since: secretBefore)
    #expect(changes.isEmpty, "the secret's directory changed: \(changes) — \(context)", sourceLocation: sourceLocation)
    let secretBytes = try TestSupport.readBytes(secret)
    for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
        let path = directory + "/" + name
        guard let info = status(path), info.st_mode & S_IFMT == S_IFREG else { continue }
        let bytes = (try? TestSupport.readBytes(path)) ?? []
        #expect(
            info.st_mode & 0o7000 == 0, "\(name) is mode \(String(info.st_mode & 0o7777, radix: 8)) — \(context)",
            sourceLocation: sourceLocation)
        #expect(
            !contains(bytes, Array(secretBytes.prefix(64))) && !contains(bytes, Scene.secretMarker),
            "\(name) (owner \(info.st_uid), mode \(String(info.st_mode & 0o7777, radix: 8))) holds the secret's bytes — \(context)",
            sourceLocation: sourceLocation)
    }
}

@Suite("Issue 16: the lock is an OFD write lock on the file: only writers delay an edit, and htpass names them")
struct LockTests {
    /// One run of the swap: what is swapped in, where, and the edit that waits.
    struct Swap: Sendable, CustomTestStringConvertible {
        var swapped: SwapTarget
        var place: WritableDirectory
        var edit: Edit
        var testDescription: String { "\(edit.testDescription), \(place.rawValue), swapped for \(swapped.rawValue)" }

        /// Every target in every directory with `add`; every other edit that waits for the lock and writes
        /// (recover writes only when a journal is pending) with a set-user-ID program in the world-writable
        /// directory, the worst outcome if the swap worked.
        static let all: [Swap] =
            SwapTarget.allCases.flatMap { swapped in
                WritableDirectory.allCases.map { Swap(swapped: swapped, place: $0, edit: .add) }
            }
            + [Edit.addCreate, .delete, .createForce, .apply, .applyExclusive].map {
                Swap(swapped: .setuidBinary, place: .worldWritable, edit: $0)
            }
    }

    @Test(
        "An attacker who can write the directory swaps a link to a root-only file in while root's edit waits for a writer's lock: refused, nothing of it is copied",
        arguments: Swap.all)
    func swapWhileWaiting(swap: Swap) throws {
        let scene = try Scene("swap")
        defer { scene.remove() }
        let file = try swap.place.make(in: scene)
        let secret = try swap.swapped.make(in: scene)
        let secretBefore = try Tree.snapshot(scene.path("secret"))

        // A legitimate writer (root) holds the file's lock; root's edit starts and must wait for it.
        let holder = try Background.lockHolder(writerLock, [file])
        defer { holder.stop() }
        try holder.requireLocked()
        let edit = try Background.htpass(swap.edit.arguments(file, lockTimeout: 20), stdin: swap.edit.standardInput)
        defer { edit.stop() }
        let holderPID = String(holder.pid)
        _ = edit.wait(seconds: 6) { $0.stderrText.contains(holderPID) || !$0.process.isRunning }
        #expect(
            edit.process.isRunning,
            "htpass did not wait for the writer's lock (pid \(holderPID)): status \(edit.exitStatus(within: 0) ?? -1), stderr \(edit.stderrText.debugDescription)"
        )
        #expect(
            edit.stderrText.contains(holderPID), "htpass did not name the holder: \(edit.stderrText.debugDescription)")

        // The swap: a link to the secret renamed over the file, then the writer lets go.
        try scene.swapInLink(to: secret, at: file)
        holder.closeInput()
        _ = holder.exitStatus(within: 5)
        let status = edit.exitStatus(within: 15)
        let context =
            "htpass \(swap.edit.rawValue): status \(status.map(String.init) ?? "still running"), stderr \(edit.stderrText.debugDescription)"

        #expect(status == 4, "the file it locked is no longer at the path: refused — \(context)")
        #expect(edit.stderrText.contains(file), "\(context)")
        #expect(linkTarget(file) == secret, "the attacker's link is still what the path holds — \(context)")
        try expectSecretKept(secret, secretBefore, directory: scene.path("dir"), "\(context)")
    }

    @Test(
        "The same swap timed by the attacker's own flock on the directory and the file (the lock htpass waited for before issue 16): nothing of the secret is copied",
        arguments: SwapTarget.allCases, WritableDirectory.allCases)
    func swapTimedByAttacker(swapped: SwapTarget, place: WritableDirectory) throws {
        let scene = try Scene("swap-flock")
        defer { scene.remove() }
        let file = try place.make(in: scene)
        let secret = try swapped.make(in: scene)
        let secretBefore = try Tree.snapshot(scene.path("secret"))

        let holder = try Background.lockHolder(flockEverything, [scene.path("dir"), file], as: scene.accounts.attacker)
        defer { holder.stop() }
        try holder.requireLocked()
        let add = try Background.htpass(Edit.add.arguments(file, lockTimeout: 20), stdin: Edit.add.standardInput)
        defer { add.stop() }
        usleep(700_000)
        try scene.swapInLink(to: secret, at: file)
        holder.closeInput()
        let status = add.exitStatus(within: 15)
        let context =
            "htpass add: status \(status.map(String.init) ?? "still running"), stderr \(add.stderrText.debugDescription)"

        // Done before the swap (0), or refused after it (4): either way the secret stays where it is.
        #expect(status == 0 || status == 4, "\(context)")
        try expectSecretKept(secret, secretBefore, directory: scene.path("dir"), "\(context)")
    }

    /// Where a user who may not write the file holds `flock` locks, and on what.
    enum ForeignFlock: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case rootsDirectory = "flock on root's 0755 directory (the file is 0600)"
        case groupWritableDirectory =
            "flock on root's directory that the attacker's group may write (0770; the file is root's 0640)"
        case stickyDirectory = "flock on a sticky 1777 directory (the file is root's 0600)"
        case readableFile = "flock on root's directory and on the file, which the attacker may read (0644)"

        var testDescription: String { rawValue }
    }

    @Test(
        "A user who may not write the file holds flock on its directory or on the file: root's edits do not wait",
        arguments: ForeignFlock.allCases, [Edit.add, .delete, .apply, .recover])
    func foreignFlockDoesNotDelay(lock: ForeignFlock, edit: Edit) throws {
        let scene = try Scene("flock")
        defer { scene.remove() }
        let attacker = scene.accounts.attacker
        let file: String
        let locked: [String]
        switch lock {
        case .rootsDirectory:
            try scene.directory("dir", mode: 0o755)
            file = try scene.file("dir/htpasswd", mode: 0o600)
            locked = [scene.path("dir")]
        case .groupWritableDirectory:
            try scene.directory("dir", mode: 0o770, group: attacker.gid)
            file = try scene.file("dir/htpasswd", mode: 0o640)
            locked = [scene.path("dir")]
        case .stickyDirectory:
            try scene.directory("dir", mode: 0o1777)
            file = try scene.file("dir/htpasswd", mode: 0o600)
            locked = [scene.path("dir")]
        case .readableFile:
            try scene.directory("dir", mode: 0o755)
            file = try scene.file("dir/htpasswd", mode: 0o644)
            locked = [scene.path("dir"), file]
        }
        let holder = try Background.lockHolder(flockEverything, locked, as: attacker)
        defer { holder.stop() }
        try holder.requireLocked()

        let run = try edit.run(file, lockTimeout: 3)

        #expect(run.status == 0, "\(run)")
        #expect(run.seconds < 2.5, "root's edit waited for \(attacker)'s flock: \(run)")
        #expect(userNames(try TestSupport.readBytes(file)) == edit.usersAfter, "\(run)")
        #expect(holder.process.isRunning, "the attacker's lock was held throughout")
    }

    @Test(
        "A writer's lock delays an edit; after about a second htpass names the holder (pid and command); the edit finishes once it is released"
    )
    func writerDelaysAndIsNamed() throws {
        let scene = try Scene("writer")
        defer { scene.remove() }
        try scene.directory("etc", mode: 0o755)
        let file = try scene.file("etc/htpasswd", mode: 0o640)
        let holder = try Background.lockHolder(writerLock, [file])
        defer { holder.stop() }
        try holder.requireLocked()

        let delete = try Background.htpass(Edit.delete.arguments(file, lockTimeout: 20), stdin: "")
        defer { delete.stop() }
        let holderPID = String(holder.pid)
        _ = delete.wait(seconds: 5) { $0.stderrText.contains(holderPID) || !$0.process.isRunning }
        #expect(
            delete.process.isRunning,
            "htpass did not wait for the writer's lock: status \(delete.exitStatus(within: 0) ?? -1), stderr \(delete.stderrText.debugDescription)"
        )
        #expect(delete.stderrText.contains(holderPID), "no pid \(holderPID): \(delete.stderrText.debugDescription)")
        #expect(delete.stderrText.contains("python3"), "the holder's command: \(delete.stderrText.debugDescription)")
        #expect(userNames(try TestSupport.readBytes(file)) == ["alice", "bob"], "written while the lock was held")

        holder.closeInput()
        let status = delete.exitStatus(within: 10)
        #expect(status == 0, "\(delete.stderrText.debugDescription)")
        #expect(userNames(try TestSupport.readBytes(file)) == ["bob"])
    }

    @Test("A lock held past --lock-timeout: status 4, and the error names the holder; the file is unchanged")
    func timeoutNamesTheHolder() throws {
        let scene = try Scene("timeout")
        defer { scene.remove() }
        try scene.directory("etc", mode: 0o755)
        let file = try scene.file("etc/htpasswd", mode: 0o640)
        let holder = try Background.lockHolder(writerLock, [file])
        defer { holder.stop() }
        try holder.requireLocked()

        let run = try Edit.delete.run(file, lockTimeout: 2)

        #expect(run.status == 4, "\(run)")
        #expect(run.seconds >= 1.8, "gave up before the timeout: \(run)")
        let last = run.stderrLines.last.map(String.init) ?? ""
        #expect(
            last.contains(String(holder.pid)) && last.contains("python3"), "the error names pid \(holder.pid): \(run)")
        #expect(try TestSupport.readBytes(file) == Scene.users)
    }

    @Test(
        "Anyone who may read the file can hold a POSIX read lock, which delays edits (documented): htpass names that process"
    )
    func readerLockIsNamed() throws {
        let scene = try Scene("reader")
        defer { scene.remove() }
        try scene.directory("etc", mode: 0o755)
        let file = try scene.file("etc/htpasswd", mode: 0o644)
        let holder = try Background.lockHolder(readerLock, [file], as: scene.accounts.attacker)
        defer { holder.stop() }
        try holder.requireLocked()

        let run = try Edit.delete.run(file, lockTimeout: 2)

        #expect(run.status == 4, "\(run)")
        #expect(run.stderr.contains(String(holder.pid)), "names the reader, pid \(holder.pid): \(run)")
        #expect(try TestSupport.readBytes(file) == Scene.users)
    }
}

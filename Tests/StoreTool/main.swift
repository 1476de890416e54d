// StoreTool: a tiny command over HtpasswdCore's store, for the tests that need real processes
// (concurrent writers, readers racing writers, SIGKILL in the middle of a write, a full disk).
//
//     StoreTool add FILE USER HASH        add USER or change its hash (creates FILE if missing)
//     StoreTool delete FILE USER          remove every line of USER (a missing user is an error)
//     StoreTool placement FILE            print the placement facts, one "key value" a line
//     StoreTool read FILE                 parse FILE; print "<lines> <entries> <malformed>"
//     StoreTool cat FILE                  write FILE's content, as read() returns it, to stdout
//     StoreTool scan FILE                 scan FILE in observingChanges; print "<lines> <size> changed|unchanged"
//     StoreTool users FILE                print the users, one per line, in file order
//     StoreTool churn FILE USER           add then delete USER, over and over, until killed
//     StoreTool toggle FILE USER H1 H2    set USER's hash to H1, then H2, over and over, until killed
//     StoreTool watch FILE STOP STATE...  read FILE as a web server does (open, read all, close), over and
//                                         over until the file STOP exists; print one line a read:
//                                         "START END INDEX SIZE" (CLOCK_MONOTONIC ns; INDEX: the STATE file
//                                         whose bytes it equals, -1 for none)
//     StoreTool hold-lock DIR SECONDS     hold the edit lock on DIR; print "locked" once held
//     StoreTool hold-edit FILE SECONDS    start an edit of FILE through the store and sleep inside it
//     StoreTool descriptors FILE          run every kind of store operation on FILE (a new path in a
//                                         directory of its own), failing ones included, and print
//                                         "<open before> <open after> <failures seen>": descriptors
//                                         counted in /proc/self/fd
//
// $STORETOOL_LOCK_TIMEOUT sets the store's lock timeout in seconds (default: the store's own, 10);
// $STORETOOL_WRITE_MODE its write mode (auto, rename, in-place; default auto). add and delete go through
// HtpasswdStore.apply, the streaming path the command uses, and so does toggle; churn and hold-edit go
// through edit.
//
// Exit status: 0 on success; 1 for a store error, whose description goes to stderr after a line
// "error: <case>" naming the HtpasswdError case; 2 for a usage error. No Foundation: arguments are
// taken as bytes from CommandLine.

import Glibc
import HtpasswdCore

func writeOut(_ text: String, to fd: CInt = 1) {
    var bytes = Array(text.utf8)
    bytes.append(0x0A)
    bytes.withUnsafeBytes { raw in _ = write(fd, raw.baseAddress!, raw.count) }
}

/// A fixture the tool relies on was refused: says so and exits 70 (a test sees the status, not a trap).
func fail(_ message: String) -> Never {
    writeOut("StoreTool: " + message, to: 2)
    exit(70)
}

func usage() -> Never {
    writeOut(
        "usage: StoreTool add|delete|placement|read|cat|scan|users|churn|toggle|watch|hold-lock|hold-edit|descriptors ...",
        to: 2)
    exit(2)
}

/// The name of the error case, for tests that check what kind of failure happened.
func caseName(_ error: HtpasswdError) -> String {
    switch error {
    case .fileSystem(let failure) where failure.code == .systemCallFailed:
        "io \(failure.errno?.rawValue ?? 0) \(failure.systemCall.map { "\($0)" } ?? "")"
    case .fileSystem(let failure) where failure.code == .notFound: "fileNotFound"
    case .fileSystem(let failure): failure.code.description
    case .lockTimeout: "lockTimeout"
    case .ownerNotKept: "ownerNotKept"
    case .userNotFound: "userNotFound"
    case .invalidUserName: "invalidUserName"
    case .interruptedEditElsewhere: "interruptedEditElsewhere"
    case .editPending: "editPending"
    case .interruptedEditNotFinished: "interruptedEditNotFinished"
    case .untrustedJournal: "untrustedJournal"
    default: "other"
    }
}

/// The raw bytes of argument `index` (arguments may be any bytes but NUL).
func argumentBytes(_ index: Int) -> [UInt8] {
    let pointer = CommandLine.unsafeArgv[index]!
    return Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
}

func sleepSeconds(_ seconds: Double) {
    var nap = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var remaining = timespec()
    while nanosleep(&nap, &remaining) != 0 && errno == EINTR { nap = remaining }
}

/// The store for `path`, with the lock timeout from the environment if one is set.
func store(_ path: String) -> HtpasswdStore {
    var store = HtpasswdStore(path: path)
    if let value = getenv("STORETOOL_LOCK_TIMEOUT"), let seconds = Double(String(cString: value)) {
        store.lockTimeout = .seconds(seconds)
    }
    if let value = getenv("STORETOOL_WRITE_MODE"), let mode = HtpasswdStore.WriteMode(rawValue: String(cString: value))
    {
        store.writeMode = mode
    }
    return store
}

/// The number of descriptors open in this process.
func openDescriptors() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(directory) }
    var count = 0
    while let entry = readdir(directory) {
        if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
    }
    // The listing's own descriptor is not counted.
    return count - 1
}

/// Every kind of operation of the store on `path` (which must not exist yet, in a directory of its own),
/// the failing ones too: how many failed as they should.
func exerciseStore(_ path: String) -> Int {
    var failures = 0
    func fails(_ body: () throws(HtpasswdError) -> Void) {
        do throws(HtpasswdError) { try body() } catch { failures += 1 }
    }
    let plain = HtpasswdStore(path: path)
    var inPlace = plain
    inPlace.writeMode = .inPlace
    guard let hash = try? PasswordHash("$apr1$fd......$0123456789abcdefghijkl"), let alice = try? UserName("alice"),
        let bob = try? UserName("bob")
    else { fail("the fixed hash or names of exerciseStore are refused") }
    let directory = String(path[..<path.lastIndex(of: "/")!])
    // Missing: a read, a scan, a path through a missing directory, a directory.
    fails { () throws(HtpasswdError) in _ = try plain.read() }
    fails { () throws(HtpasswdError) in try plain.scan { _ in } }
    fails { () throws(HtpasswdError) in _ = try HtpasswdStore(path: path + ".missing/file").read() }
    fails { () throws(HtpasswdError) in _ = try HtpasswdStore(path: directory).read() }
    for store in [plain, inPlace] {
        var add = HtpasswdChanges()
        add.set(hash, for: alice)
        _ = try? store.apply(add, creation: .createIfMissing)
        _ = try? store.read()
        _ = try? store.scan { _ in }
        _ = try? store.contentSize()
        _ = try? store.withConsistentReads { () throws(HtpasswdError) in try store.scan { _ in } }
        _ = try? store.placement()
        _ = try? store.journalProblem()
        _ = try? store.finishInterruptedEdit()
        var remove = HtpasswdChanges()
        remove.remove(Array("nobody".utf8))
        remove.requiresRemovedUsers = true
        fails { () throws(HtpasswdError) in _ = try store.apply(remove) }
        // An edit that waits for the lock another edit holds, and gives up.
        var impatient = store
        impatient.lockTimeout = .zero
        _ = try? store.edit { (_) throws(HtpasswdError) in
            fails { () throws(HtpasswdError) in _ = try impatient.edit { _ in } }
        }
        // An edit that writes, in memory.
        _ = try? store.edit { (file) throws(HtpasswdError) in file.setHash(hash, for: bob) }
        _ = try? store.edit { (file) throws(HtpasswdError) in file.removeEntries(for: bob.bytes) }
        // An edit whose body throws.
        fails { () throws(HtpasswdError) in
            _ = try store.edit { (_) throws(HtpasswdError) in throw .fileSystem(FileSystemError(.fileExists, path: "x"))
            }
        }
        fails { () throws(HtpasswdError) in _ = try store.edit(creation: .mustNotExist) { _ in } }
    }
    return failures
}

/// The whole content of `path`, read with one descriptor as nginx does; nil if it cannot be opened.
func readWhole(_ path: String, into buffer: inout [UInt8]) -> Int? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var count = 0
    while true {
        if count == buffer.count { buffer += [UInt8](repeating: 0, count: max(buffer.count, 1 << 16)) }
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return n == 0 ? count : nil }
        count += n
    }
}

func readWhole(_ path: String) -> [UInt8]? {
    var buffer: [UInt8] = []
    return readWhole(path, into: &buffer).map { Array(buffer[..<$0]) }
}

func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Reads `path` over and over until `stop` exists, printing for each read its start and end on the
/// monotonic clock, which of `states` it equals (-1: none), and its size.
func watch(_ path: String, stop: String, states: [[UInt8]]) {
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    var line: [UInt8] = []
    while access(stop, F_OK) != 0 {
        let start = monotonicNanoseconds()
        let size = readWhole(path, into: &buffer) ?? -1
        let end = monotonicNanoseconds()
        var index = -1
        if size >= 0 {
            index =
                buffer.withUnsafeBytes { read in
                    states.firstIndex { state in
                        state.count == size
                            && (size == 0
                                || state.withUnsafeBytes { memcmp(read.baseAddress!, $0.baseAddress!, size) == 0 })
                    }
                } ?? -1
        }
        line = Array("\(start) \(end) \(index) \(size)\n".utf8)
        line.withUnsafeBytes { raw in _ = write(1, raw.baseAddress!, raw.count) }
    }
}

/// A name from the command line; a refused one ends the tool as any store error does.
func userName(_ bytes: [UInt8]) throws(HtpasswdError) -> UserName {
    do throws(UserName.Problem) { return try UserName(bytes) } catch { throw .invalidUserName(error) }
}

/// A hash from the command line or the code.
func passwordHash(_ bytes: some Collection<UInt8>) throws(HtpasswdError) -> PasswordHash {
    do throws(PasswordHash.Problem) { return try PasswordHash(bytes) } catch { throw .invalidHash(error) }
}

func passwordHash(_ text: String) throws(HtpasswdError) -> PasswordHash { try passwordHash(Array(text.utf8)) }

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { usage() }
let command = arguments[1]
let path = arguments[2]

do throws(HtpasswdError) {
    switch command {
    case "add" where arguments.count == 5:
        let user = try userName(argumentBytes(3))
        var changes = HtpasswdChanges()
        changes.set(try passwordHash(argumentBytes(4)), for: user)
        let report = try store(path).apply(changes, creation: .createIfMissing)
        writeOut(report.outcome.added.isEmpty ? "changed" : "added")

    case "delete" where arguments.count == 4:
        var changes = HtpasswdChanges()
        changes.remove(argumentBytes(3))
        changes.requiresRemovedUsers = true
        try store(path).apply(changes)

    case "placement" where arguments.count == 3:
        let placement = try store(path).placement()
        writeOut("exists \(placement.exists)")
        writeOut("directory \(placement.isDirectory)")
        writeOut("mount-point \(placement.isMountPoint)")
        writeOut("links \(placement.linkCount)")
        for mount in placement.bindMounts { writeOut("bind-mount \(mount.processID) \(mount.mountPoint)") }
        for mount in placement.staleBindMounts { writeOut("stale-mount \(mount.processID) \(mount.mountPoint)") }
        writeOut("namespaces \(placement.namespacesExamined)")

    case "recover" where arguments.count == 3:
        writeOut(try store(path).finishInterruptedEdit() ? "finished" : "nothing pending")

    case "read" where arguments.count == 3:
        let file = try store(path).read()
        writeOut("\(file.lineCount) \(file.entries.count) \(file.malformedLines.count)")

    case "cat" where arguments.count == 3:
        let bytes = try store(path).read().bytes
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(1, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }

    case "scan" where arguments.count == 3:
        let scanned = store(path)
        let (summary, changed) = try scanned.observingChanges { () throws(HtpasswdError) in try scanned.scan { _ in } }
        writeOut("\(summary.lines) \(summary.size) \(changed ? "changed" : "unchanged")")

    case "users" where arguments.count == 3:
        for entry in try store(path).read().entries { writeOut(String(displaying: entry.user)) }

    case "churn" where arguments.count == 4:
        let user = try userName(argumentBytes(3))
        let store = store(path)
        let hash = try passwordHash("$apr1$churn...$0123456789abcdefghijkl")
        while true {
            try store.edit { file in file.setHash(hash, for: user) }
            try store.edit { file in file.removeEntries(for: user.bytes) }
        }

    case "toggle" where arguments.count == 6:
        let user = try userName(argumentBytes(3))
        let hashes = [try passwordHash(argumentBytes(4)), try passwordHash(argumentBytes(5))]
        let store = store(path)
        for index in 0... {
            var changes = HtpasswdChanges()
            changes.set(hashes[index % 2], for: user)
            try store.apply(changes)
        }

    case "watch" where arguments.count >= 4:
        watch(path, stop: arguments[3], states: arguments.dropFirst(4).map { readWhole($0) ?? [] })

    case "hold-lock" where arguments.count == 4:
        // The edit lock as another writer holds it: a write lock on the file (a POSIX record lock, which
        // conflicts with htpass's open file description locks), on a descriptor open for writing.
        guard let seconds = Double(arguments[3]) else { usage() }
        let fd = open(path, O_RDWR)
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        guard fd >= 0, fcntl(fd, F_SETLK, &request) == 0 else {
            writeOut("error: io \(errno) lock", to: 2)
            exit(1)
        }
        writeOut("locked")
        sleepSeconds(seconds)
        close(fd)

    case "descriptors" where arguments.count == 3:
        let before = openDescriptors()
        let failures = exerciseStore(path)
        writeOut("\(before) \(openDescriptors()) \(failures)")

    case "hold-edit" where arguments.count == 4:
        guard let seconds = Double(arguments[3]) else { usage() }
        try store(path).edit { _ in
            writeOut("locked")
            sleepSeconds(seconds)
        }

    default:
        usage()
    }
} catch {
    writeOut("error: \(caseName(error))", to: 2)
    writeOut("\(error)", to: 2)
    exit(1)
}

// StoreTool: a tiny command over HtpasswdCore's store, for the tests that need real processes
// (concurrent writers, readers racing writers, SIGKILL in the middle of a write, a full disk).
//
//     StoreTool add FILE USER HASH        add USER or change its hash (creates FILE if missing)
//     StoreTool delete FILE USER          remove every line of USER (a missing user is an error)
//     StoreTool read FILE                 parse FILE; print "<lines> <entries> <malformed>"
//     StoreTool users FILE                print the users, one per line, in file order
//     StoreTool churn FILE USER           add then delete USER, over and over, until killed
//     StoreTool hold-lock DIR SECONDS     hold the edit lock on DIR; print "locked" once held
//     StoreTool hold-edit FILE SECONDS    start an edit of FILE through the store and sleep inside it
//
// $STORETOOL_LOCK_TIMEOUT sets the store's lock timeout in seconds (default: the store's own, 10).
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

func usage() -> Never {
    writeOut("usage: StoreTool add|delete|read|users|churn|hold-lock|hold-edit ...", to: 2)
    exit(2)
}

/// The name of the error case, for tests that check what kind of failure happened.
func caseName(_ error: HtpasswdError) -> String {
    switch error {
    case .fileNotFound: "fileNotFound"
    case .fileExists: "fileExists"
    case .notRegularFile: "notRegularFile"
    case .io(let operation, _, let code): "io \(code) \(operation)"
    case .lockTimeout: "lockTimeout"
    case .ownerNotKept: "ownerNotKept"
    case .userNotFound: "userNotFound"
    case .invalidUserName: "invalidUserName"
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
        store.lockTimeout = seconds
    }
    return store
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { usage() }
let command = arguments[1]
let path = arguments[2]

do throws(HtpasswdError) {
    switch command {
    case "add" where arguments.count == 5:
        let user = try UserName(argumentBytes(3))
        let hash = argumentBytes(4)
        let outcome = try store(path).edit(creation: .createIfMissing) { file in
            file.setHash(hash, for: user)
        }
        writeOut(outcome.added ? "added" : "changed")

    case "delete" where arguments.count == 4:
        let user = argumentBytes(3)
        try store(path).edit { (file) throws(HtpasswdError) in
            if file.removeEntries(for: user) == 0 { throw .userNotFound(user: displayText(user)) }
        }

    case "read" where arguments.count == 3:
        let file = try store(path).read()
        writeOut("\(file.lineCount) \(file.entries.count) \(file.malformedLines.count)")

    case "users" where arguments.count == 3:
        for entry in try store(path).read().entries { writeOut(displayText(entry.user)) }

    case "churn" where arguments.count == 4:
        let user = try UserName(argumentBytes(3))
        let store = store(path)
        let hash = Array("$apr1$churn...$0123456789abcdefghijkl".utf8)
        while true {
            try store.edit { file in file.setHash(hash, for: user) }
            try store.edit { file in file.removeEntries(for: user.bytes) }
        }

    case "hold-lock" where arguments.count == 4:
        guard let seconds = Double(arguments[3]) else { usage() }
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0, flock(fd, LOCK_EX) == 0 else {
            writeOut("error: io \(errno) lock", to: 2)
            exit(1)
        }
        writeOut("locked")
        sleepSeconds(seconds)
        close(fd)

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

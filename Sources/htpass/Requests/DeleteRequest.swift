import ArgumentParser
import HtpasswdCore

/// `htpass delete FILE USER...`.
///
/// Users are looked up by their exact bytes, without the rules for writing a name: a user written by
/// another tool (`" bob"`) can be deleted, and a name no entry can have (empty, with `:`) is not found.
struct DeleteRequest: Equatable, Sendable {
    var file: String
    var users: [String]
    var missingOk: Bool
    var lockTimeout: Double

    /// - Throws: `ValidationError` when the lock timeout is negative.
    init(file: String, users: [String], missingOk: Bool, lockTimeout: Double) throws {
        try LockTimeout.check(lockTimeout)
        self.file = file
        self.users = users
        self.missingOk = missingOk
        self.lockTimeout = lockTimeout
    }

    func run() throws {
        try RawArguments.checkPath(file)
        let names = RawArguments.bytes(of: [file] + users).dropFirst()
        let store = HtpasswdStore(path: file, lockTimeout: lockTimeout)
        let malformed = try store.edit { file throws(HtpasswdError) in
            if !missingOk, let missing = names.first(where: { file.entry(for: $0) == nil }) {
                throw .userNotFound(user: displayText(missing))
            }
            for name in names { file.removeEntries(for: name) }
            return file.malformedLines
        }
        Warnings.malformed(malformed, in: file)
    }
}

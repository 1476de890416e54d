import ArgumentParser
import HtpasswdCore

/// `htpass create FILE [USER]`.
struct CreateRequest: Equatable, Sendable {
    var file: String
    var user: String?
    var force: Bool
    var password: PasswordChoice
    var hashing: HashChoice
    var newFile: NewFileChoice
    var lockTimeout: Double

    /// - Throws: `ValidationError` when a password is given without a USER, or the lock timeout is negative.
    init(
        file: String, user: String?, force: Bool, password: PasswordChoice, hashing: HashChoice,
        newFile: NewFileChoice, lockTimeout: Double
    ) throws {
        if user == nil && password.source != .prompt {
            throw ValidationError("A password needs a USER; give one after FILE")
        }
        try LockTimeout.check(lockTimeout)
        self.file = file
        self.user = user
        self.force = force
        self.password = password
        self.hashing = hashing
        self.newFile = newFile
        self.lockTimeout = lockTimeout
    }

    func run() throws {
        try RawArguments.checkPath(file)
        let attributes = try newFile.attributes()
        // The user to add, if any, with the hash of the password.
        var first: (name: UserName, new: NewPassword)?
        if let user {
            let name = try UserName(RawArguments.bytes(of: [file, user])[1])
            first = (name, try NewPassword(for: name, password, hashing))
        }
        let existed = Warnings.exists(file)
        let store = HtpasswdStore(path: file, lockTimeout: lockTimeout)
        let outcome = try store.edit(creation: force ? .replace : .mustNotExist, attributes: attributes) { file in
            first.map { file.setHash($0.new.hash.utf8, for: $0.name) }
        }
        if let outcome, let first { Warnings.afterSetting(outcome, for: first.name) }
        Warnings.fileAttributes(file, existed: existed, newFile, attributes)
        first?.new.secret.printIfGenerated()
    }
}

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
        var secret: Password?
        var hash: String?
        var name: UserName?
        if let user {
            name = try UserName(RawArguments.bytes(of: [file, user])[1])
            let hasher = try hashing.hasher()
            secret = try password.read(for: .set(name, hasher: hasher))
            hash = try hasher.hash(secret!.bytes)
        }
        let existed = Warnings.exists(file)
        let store = HtpasswdStore(path: file, lockTimeout: lockTimeout)
        let outcome = try store.edit(creation: force ? .replace : .mustNotExist, attributes: attributes) { file in
            name.map { file.setHash(hash!.utf8, for: $0) }
        }
        if let outcome, let name { Warnings.afterSetting(outcome, for: name) }
        if existed {
            Warnings.newFileOptionsIgnored(file, newFile)
        } else {
            Warnings.newFile(file, attributes: attributes)
        }
        secret?.printIfGenerated()
    }
}

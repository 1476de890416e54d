import ArgumentParser
import HtpasswdCore

/// `htpass add FILE USER`.
struct AddRequest: Equatable, Sendable {
    var file: String
    var user: String
    var create: Bool
    var password: PasswordChoice
    var hashing: HashChoice
    var newFile: NewFileChoice
    var lockTimeout: Double

    /// - Throws: `ValidationError` when the lock timeout is negative.
    init(
        file: String, user: String, create: Bool, password: PasswordChoice, hashing: HashChoice,
        newFile: NewFileChoice, lockTimeout: Double
    ) throws {
        try LockTimeout.check(lockTimeout)
        self.file = file
        self.user = user
        self.create = create
        self.password = password
        self.hashing = hashing
        self.newFile = newFile
        self.lockTimeout = lockTimeout
    }

    func run() throws {
        try RawArguments.checkPath(file)
        let user = try UserName(RawArguments.bytes(of: [file, user])[1])
        let attributes = try newFile.attributes()
        let new = try NewPassword(for: user, password, hashing)
        let existed = Warnings.exists(file)
        let creation: HtpasswdStore.Creation = create ? .createIfMissing : .mustExist
        let store = HtpasswdStore(path: file, lockTimeout: lockTimeout)
        let (outcome, malformed) = try store.edit(creation: creation, attributes: attributes) { file in
            (file.setHash(new.hash.utf8, for: user), file.malformedLines)
        }
        Warnings.afterSetting(outcome, for: user)
        Warnings.malformed(malformed, in: file)
        Warnings.fileAttributes(file, existed: existed, newFile, attributes)
        new.secret.printIfGenerated()
    }
}

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
    var edit: EditChoice

    func run() throws {
        let path = RawArguments.path(file)
        let user = try UserName(RawArguments.bytes(of: [file, user])[1])
        let attributes = try newFile.attributes()
        let targets = try hashing.targets.resolved()
        let new = try NewPassword(for: user, password, hashing)
        var changes = HtpasswdChanges()
        changes.set(new.hash, for: user)
        let report = try edit.store(path).apply(
            changes, creation: create ? .createIfMissing : .mustExist, attributes: attributes)
        Warnings.afterEdit(report, path: path)
        Warnings.fileAttributes(path, existed: !report.write.created, newFile, attributes, targets: targets)
        new.secret.printIfGenerated()
    }
}

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
    var edit: EditChoice

    /// - Throws: `ValidationError` when a password is given without a USER.
    init(
        file: String, user: String?, force: Bool, password: PasswordChoice, hashing: HashChoice,
        newFile: NewFileChoice, edit: EditChoice
    ) throws {
        if user == nil && password.source != .prompt {
            throw ValidationError("A password needs a USER; give one after FILE")
        }
        self.file = file
        self.user = user
        self.force = force
        self.password = password
        self.hashing = hashing
        self.newFile = newFile
        self.edit = edit
    }

    func run() throws {
        let path = RawArguments.path(file)
        let attributes = try newFile.attributes()
        let targets = try hashing.targets.resolved()
        var changes = HtpasswdChanges()
        var generated: Password?
        if let user {
            let name = try UserName(RawArguments.bytes(of: [file, user])[1])
            let new = try NewPassword(for: name, password, hashing)
            changes.set(new.hash, for: name)
            generated = new.secret
        }
        let report = try edit.store(path).apply(
            changes, creation: force ? .replace : .mustNotExist, attributes: attributes)
        Warnings.afterEdit(report, path: path)
        Warnings.fileAttributes(path, existed: !report.write.created, newFile, attributes, targets: targets)
        generated?.printIfGenerated()
    }
}

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
    /// `-q`: no notes.
    var quiet = false

    /// - Throws: `ValidationError` when a password is given without a USER.
    init(
        file: String, user: String?, force: Bool, password: PasswordChoice, hashing: HashChoice,
        newFile: NewFileChoice, edit: EditChoice, quiet: Bool = false
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
        self.quiet = quiet
    }

    func run() throws {
        Output.quiet = quiet
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
        // A password printed for an edit that fails at once would mislead: say that first.
        if generated?.generated == true && !force && Password.fileExists(path) {
            throw HtpasswdError.fileSystem(FileSystemError(.fileExists, path: path))
        }
        try generated?.deliverIfGenerated()
        let report = try edit.store(path).apply(
            changes, creation: force ? .replace : .mustNotExist, attributes: attributes)
        Warnings.afterEdit(report, path: path)
        Warnings.fileAttributes(path, existed: !report.write.created, newFile, attributes, targets: targets)
        EditSummary.announce(report.outcome)
    }
}

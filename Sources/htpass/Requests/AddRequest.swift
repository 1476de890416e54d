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
    /// `-q`: no notes.
    var quiet = false
    /// `--json`: the summary on standard output.
    var json = false

    /// `--json` prints the summary on standard output, where a generated password goes.
    static func check(json: Bool, password: PasswordChoice) throws {
        if json, case .generated = password.source {
            throw ValidationError("Give --generate or --json, not both: the password is the output of --generate")
        }
    }

    func run() throws {
        Output.quiet = quiet
        let path = RawArguments.path(file)
        let user = try UserName(RawArguments.bytes(of: [file, user])[1])
        let attributes = try newFile.attributes()
        let targets = try hashing.targets.resolved()
        let new = try NewPassword(for: user, password, hashing)
        var changes = HtpasswdChanges()
        changes.set(new.hash, for: user)
        // A password printed for an edit that fails at once would mislead: say that first.
        if new.secret.generated && !create && !Password.fileExists(path) {
            throw HtpasswdError.fileSystem(FileSystemError(.notFound, path: path))
        }
        try new.secret.deliverIfGenerated()
        let report = try edit.store(path).apply(
            changes, creation: create ? .createIfMissing : .mustExist, attributes: attributes)
        Warnings.afterEdit(report, path: path)
        Warnings.fileAttributes(path, existed: !report.write.created, newFile, attributes, targets: targets)
        ByteOrderMark.warnIfLookalike(added: report.outcome.added, in: path)
        if json {
            EditSummary.json(report.outcome, file: RawArguments.bytes(of: [file])[0])
        } else {
            EditSummary.announce(report.outcome)
        }
    }
}

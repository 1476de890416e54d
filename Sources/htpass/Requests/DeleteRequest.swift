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
    var edit: EditChoice
    /// `-q`: no notes.
    var quiet = false
    /// `--json`: the summary on standard output.
    var json = false

    func run() throws {
        Output.quiet = quiet
        let path = RawArguments.path(file)
        var changes = HtpasswdChanges()
        for name in RawArguments.bytes(of: [file] + users).dropFirst() { changes.remove(name) }
        changes.requiresRemovedUsers = !missingOk
        let report = try edit.store(path).apply(changes)
        Warnings.afterEdit(report, path: path)
        if json {
            EditSummary.json(report.outcome, file: RawArguments.bytes(of: [file])[0], missing: true)
        } else {
            EditSummary.announce(report.outcome)
        }
    }
}

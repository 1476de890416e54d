import ArgumentParser
import Glibc
import HtpasswdCore
import HtpasswdLint
import HtpasswdVerifier

/// `htpass list FILE`.
struct ListRequest: Equatable, Sendable {
    enum Style: Equatable, Sendable {
        /// Each user once, one per line.
        case users
        /// `--long`: a table with line, format, cost and flags.
        case long
        /// `--json`.
        case json
    }

    var file: String
    var style: Style
    var targets: TargetChoice

    /// - Throws: `ValidationError` for both `--long` and `--json`.
    init(file: String, long: Bool, json: Bool, targets: TargetChoice = TargetChoice()) throws {
        if long && json { throw ValidationError("Give --long or --json, not both") }
        self.file = file
        style = json ? .json : long ? .long : .users
        self.targets = targets
    }

    func run() throws {
        let path = try StandardInputFile.path(file)
        let store = HtpasswdStore(path: path)
        let given = try targets.resolved()
        let targets = given.isEmpty ? EntryReport.defaultTargets : given
        // Printed lines cannot be taken back: an edit that lands while the file is listed gets a warning.
        let (_, changed) = try store.observingChanges { () throws(HtpasswdError) in
            switch style {
            case .json:
                try Listing.json(store, path: RawArguments.bytes(of: [file])[0], targets: targets)
            case .long:
                try Listing.long(store, targets: targets)
            case .users:
                let (count, sample) = try Listing.users(store, toTerminal: isatty(STDOUT_FILENO) == 1)
                Warnings.malformed(count: count, sample: sample, in: path)
            }
        }
        if changed {
            Output.warning(
                "'\(path.display)' was edited while it was listed, so the list may mix its old and new content; "
                    + "run the command again")
        }
    }
}

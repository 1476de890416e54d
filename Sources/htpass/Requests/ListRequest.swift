import ArgumentParser
import Glibc
import HtpasswdCore

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

    /// - Throws: `ValidationError` for both `--long` and `--json`.
    init(file: String, long: Bool, json: Bool) throws {
        if long && json { throw ValidationError("Give --long or --json, not both") }
        self.file = file
        style = json ? .json : long ? .long : .users
    }

    func run() throws {
        let path = RawArguments.path(file)
        let store = HtpasswdStore(path: path)
        switch style {
        case .json:
            try Listing.json(store, path: RawArguments.bytes(of: [file])[0])
        case .long:
            try Listing.long(store)
        case .users:
            let (count, sample) = try Listing.users(store, toTerminal: isatty(STDOUT_FILENO) == 1)
            Warnings.malformed(count: count, sample: sample, in: path)
        }
    }
}

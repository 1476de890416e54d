import ArgumentParser
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
        try RawArguments.checkPath(file)
        let contents = try HtpasswdStore(path: file).read()
        switch style {
        case .json:
            Listing.json(contents, path: file)
        case .long:
            Listing.long(contents)
        case .users:
            Listing.users(contents)
            Warnings.malformed(contents.malformedLines, in: file)
        }
    }
}

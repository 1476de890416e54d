import HtpasswdCore
import SystemPackage

/// A lint of an htpasswd file and its path for a set of servers: everything each one would trip on, before
/// a user finds out with a 401.
///
/// ```swift
/// try FileCheck(store: HtpasswdStore(path: "/etc/nginx/htpasswd"), targets: [.nginxAlpine]).run { finding in
///     print(finding)
/// }
/// ```
///
/// The file is read in up to three passes, in constant memory (the users listed twice are found with a
/// ``/HtpasswdCore/DuplicateFilter``); findings are handed over one at a time, path findings first, then in line order,
/// then those about the file as a whole.
public struct FileCheck: Sendable {
    /// The file checked.
    public var store: HtpasswdStore
    /// The servers whose reading and refusals are checked.
    public var targets: [Target]
    /// Whether the path is checked too (its permissions, mounts, links), or only the content.
    public var checksPath: Bool

    /// A check of the file of `store` for `targets`, and of its path unless `checksPath` is false (a copy
    /// of standard input says nothing of where the file will live). Nothing is read until ``run(_:)``.
    public init(store: HtpasswdStore, targets: [Target], checksPath: Bool = true) {
        self.store = store
        self.targets = targets
        self.checksPath = checksPath
    }

    /// One thing a server would trip on, or that puts the file at risk.
    public struct Finding: Equatable, Sendable {
        /// How bad a finding is.
        public enum Severity: String, Equatable, Sendable {
            /// A server refuses a user, or the file, or reads it differently than intended.
            case error
            /// Legal, but risky or fragile.
            case warning
        }

        /// The 1-based line, or nil for a finding about the path or the file as a whole.
        public var line: Int?
        /// The user of the line's entry, when the finding is about an entry.
        public var user: [UInt8]?
        /// How bad it is.
        public var severity: Severity
        /// What kind of finding it is, as `htpass check --json` names it.
        public var id: FindingID
        /// The server the finding is about, or nil when it holds for every server.
        public var target: Target?
        /// One line: what is wrong and what it does to the server (facts; what to do is the caller's to say).
        public var message: String
        /// For `file-refused`: why the target refuses the whole file.
        public var refusal: FileRefusal? = nil
        /// For `line-not-read`: the line at which the target stopped reading (this one or an earlier one);
        /// nil when it skips this line only.
        public var stoppedAt: Int? = nil
        /// For `not-readable-by-worker`: the first directory above the file that the target's usual worker
        /// account cannot search; nil when the directories let it through and the file itself is not readable.
        public var blockingDirectory: FilePath? = nil
    }

    /// The stable identifiers of findings, as `check --json` prints them (Docs/targets.md has the table).
    public enum FindingID: String, CaseIterable, Sendable {
        // The path
        /// The file does not exist.
        case notFound = "not-found"
        /// A directory where the file should be (Docker makes one when a bind-mount source is missing).
        case isDirectory = "is-directory"
        /// Something that is not a regular file (a device, a FIFO, a socket).
        case notRegularFile = "not-regular-file"
        /// None of the target's usual worker accounts can read the file and search every parent directory.
        case notReadableByWorker = "not-readable-by-worker"
        /// Anyone on the machine can change the users.
        case worldWritable = "world-writable"
        /// Anyone on the machine can read the hashes.
        case worldReadable = "world-readable"
        /// A parent directory writable by group or others, who could replace the file.
        case writableDirectory = "writable-directory"
        /// The file is bind-mounted alone: edits go in place.
        case singleFileBindMount = "single-file-bind-mount"
        /// A mount namespace still reads an earlier copy of the path that a rename replaced.
        case staleBindMount = "stale-bind-mount"
        /// The file has several names: edits go in place.
        case hardLinks = "hard-links"
        /// Something under the in-place journal's name that neither root, the caller nor the file's owner owns.
        case untrustedJournal = "untrusted-journal"
        // Entries
        /// The target cannot verify the entry's hash format.
        case formatNotVerified = "format-not-verified"
        /// A bcrypt cost above the target's limit.
        case bcryptCostTooHigh = "bcrypt-cost-too-high"
        /// A bcrypt prefix the target does not verify.
        case bcryptPrefixNotVerified = "bcrypt-prefix-not-verified"
        /// SHA-crypt rounds above the target's limit.
        case roundsTooHigh = "rounds-too-high"
        /// A crypt failure token (`*0`, `!`...): no password matches.
        case failureToken = "failure-token"
        /// No known format: no server lets the user in.
        case unknownFormat = "unknown-format"
        /// A format cheap to crack from a leaked file.
        case weakFormat = "weak-format"
        /// A later line of a user already listed.
        case duplicateUser = "duplicate-user"
        /// The target reads another name than the line's writer meant.
        case nameReadDifferently = "name-read-differently"
        /// The target reads the hash with what surrounds it.
        case hashReadDifferently = "hash-read-differently"
        /// The target skips the line, or stopped reading before it.
        case lineNotRead = "line-not-read"
        /// The target takes the line for a user with an empty name.
        case emptyUser = "empty-user"
        /// A name some servers read differently.
        case nameNotPortable = "name-not-portable"
        /// A line of 256 bytes or more, which Apache's htpasswd cannot edit.
        case longRecord = "long-record"
        // Lines and the file
        /// The target refuses the whole file because of this line.
        case fileRefused = "file-refused"
        /// A line that is not an entry.
        case malformedLine = "malformed-line"
        /// The file starts with a UTF-8 byte order mark, which becomes part of the first name.
        case byteOrderMark = "byte-order-mark"
        /// CRLF line endings (Envoy keeps the CR).
        case crlf = "crlf"
        /// The last line has no newline.
        case missingFinalNewline = "missing-final-newline"
        /// An edit replaced or rewrote the file while it was checked.
        case changedDuringCheck = "changed-during-check"
    }

    /// Checks the path and the file, calling `report` with each finding.
    ///
    /// - Throws: A file error other than a missing file or a directory (those are findings).
    public func run(_ report: (Finding) -> Void) throws(HtpasswdError) {
        if checksPath {
            let placement = try store.placement()
            if !checkPath(placement, report) { return }
            // Something under the journal's name that no edit will use or remove: someone else's.
            if case .untrustedJournal(_, let journal, let owner)? = try store.journalProblem() {
                report(
                    Finding(
                        line: nil, user: nil, severity: .error, id: .untrustedJournal, target: nil,
                        message:
                            "'\(journal.display)' belongs to user \(owner), who is neither root nor the file's owner: no edit uses or removes it, and every edit fails until it is gone"
                    ))
            }
        }
        // The findings are reported as they are found, so a check that an edit overtook is not run again:
        // it says so.
        let (_, changed) = try store.observingChanges { () throws(HtpasswdError) in try checkContent(report) }
        if changed {
            report(
                Finding(
                    line: nil, user: nil, severity: .warning, id: .changedDuringCheck, target: nil,
                    message: "The file was edited while it was checked, so the findings may mix its old and new content"
                ))
        }
    }
}

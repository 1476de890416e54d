import Glibc
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

    /// The stable identifiers of findings (documented in Docs/targets.md).
    public enum FindingID: String, CaseIterable, Sendable {
        // The path
        case notFound = "not-found"
        case isDirectory = "is-directory"
        case notRegularFile = "not-regular-file"
        case notReadableByWorker = "not-readable-by-worker"
        case worldWritable = "world-writable"
        case worldReadable = "world-readable"
        case writableDirectory = "writable-directory"
        case singleFileBindMount = "single-file-bind-mount"
        case staleBindMount = "stale-bind-mount"
        case hardLinks = "hard-links"
        case untrustedJournal = "untrusted-journal"
        // Entries
        case formatNotVerified = "format-not-verified"
        case bcryptCostTooHigh = "bcrypt-cost-too-high"
        case bcryptPrefixNotVerified = "bcrypt-prefix-not-verified"
        case roundsTooHigh = "rounds-too-high"
        case failureToken = "failure-token"
        case unknownFormat = "unknown-format"
        case weakFormat = "weak-format"
        case duplicateUser = "duplicate-user"
        case nameReadDifferently = "name-read-differently"
        case hashReadDifferently = "hash-read-differently"
        case lineNotRead = "line-not-read"
        case emptyUser = "empty-user"
        case nameNotPortable = "name-not-portable"
        case longRecord = "long-record"
        // Lines and the file
        case fileRefused = "file-refused"
        case malformedLine = "malformed-line"
        case byteOrderMark = "byte-order-mark"
        case crlf = "crlf"
        case missingFinalNewline = "missing-final-newline"
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

    // MARK: The path

    /// Reports findings about the path; false when there is no file to read.
    private func checkPath(_ placement: FilePlacement, _ report: (Finding) -> Void) -> Bool {
        func path(
            _ id: FindingID, _ severity: Finding.Severity, _ message: String, target: Target? = nil,
            blockingDirectory: FilePath? = nil
        ) {
            var finding = Finding(line: nil, user: nil, severity: severity, id: id, target: target, message: message)
            finding.blockingDirectory = blockingDirectory
            report(finding)
        }
        let name = store.path.display
        guard placement.exists else {
            path(
                .notFound, .error,
                "'\(name)' does not exist: servers answer 500 or 403 to every request")
            return false
        }
        guard !placement.isDirectory else {
            path(
                .isDirectory, .error,
                "'\(name)' is a directory (Docker makes one when a bind-mount source is missing): servers answer 500"
            )
            return false
        }
        guard placement.isRegularFile else {
            path(.notRegularFile, .error, "'\(name)' is not a regular file: it holds no users for a server to read")
            return false
        }
        let access = PathAccess(placement.target)
        if let mode = access.fileMode {
            if mode & 0o002 != 0 {
                path(
                    .worldWritable, .error,
                    "'\(name)' is writable by every local user (mode 0\(String(mode & 0o777, radix: 8))): anyone on the machine can change the users"
                )
            } else if mode & 0o004 != 0 {
                path(
                    .worldReadable, .warning,
                    "'\(name)' is readable by every local user (mode 0\(String(mode & 0o777, radix: 8))), hashes included"
                )
            }
        }
        for directory in access.writableDirectories {
            path(
                .writableDirectory, .warning,
                "'\(directory.display)' is writable by others than its owner: they could replace '\(name)'"
            )
        }
        // Which packaging runs the server is not known: one account of its usual ones that can read the file
        // is taken for a deliberate setup (a file given to www-data's group serves Debian's nginx, not the
        // official image's uid 101).
        for target in targets {
            let workers = target.profile.workers
            guard !workers.isEmpty, !workers.contains(where: { access.canRead(as: $0) }) else { continue }
            let names = workers.map { "\($0.name ?? "uid \($0.uid)") (\($0.context))" }.joined(separator: ", ")
            let blocker = access.firstUnsearchableDirectory(for: workers[0])
            let stop = blocker.map { directory in
                " ('\(directory.display)' stops \(workers[0].name ?? "uid \(workers[0].uid)"))"
            }
            path(
                .notReadableByWorker, .error,
                "No account the workers of \(target.displayName) run as can read '\(name)' through every parent directory\(stop ?? ""): \(names); every request gets 500 or 403",
                target: target, blockingDirectory: blocker)
        }
        if placement.isMountPoint {
            path(
                .singleFileBindMount, .warning,
                "'\(name)' is a file bind-mounted alone: edits must be written in place, and readers may see one half-written"
            )
        }
        for mount in placement.bindMounts {
            path(
                .singleFileBindMount, .warning,
                "'\(name)' is bind-mounted alone at '\(mount.mountPoint.display)' (process \(mount.processID)): edits must be written in place, and readers may see one half-written"
            )
        }
        for mount in placement.staleBindMounts {
            path(
                .staleBindMount, .error,
                "Process \(mount.processID) reads an earlier copy of '\(name)' mounted alone at '\(mount.mountPoint.display)', which an edit by rename replaced: it does not see the current users"
            )
        }
        if placement.linkCount > 1 {
            path(
                .hardLinks, .warning,
                "'\(name)' has \(placement.linkCount) hard links: edits must be written in place for every name to see them"
            )
        }
        return true
    }

    // MARK: The content

    private func checkContent(_ report: (Finding) -> Void) throws(HtpasswdError) {
        let size = try store.contentSize()
        // Pass 1: which names may be listed twice (as htpass and nginx read names, and as each target does).
        var own = DuplicateFilter(fileSize: size)
        var perTarget = targets.map { _ in DuplicateFilter(fileSize: size) }
        try store.scan { line in
            if line.kind == .entry { own.noteInFirstPass(line.user) }
            for (index, target) in targets.enumerated() {
                if case .entry(let user, _) = target.profile.reading.read(line.content, terminator: line.terminator) {
                    perTarget[index].noteInFirstPass(UnsafeBufferPointer(rebasing: line.content[user]))
                }
            }
        }
        // Pass 2, only when a target uses the last line of a user listed twice: how many lines those have.
        let lastWins = targets.indices.filter { targets[$0].profile.reading.duplicates == .lastWins }
        if lastWins.contains(where: { perTarget[$0].trackedNames > 0 }) {
            try store.scan { line in
                for index in lastWins {
                    guard
                        case .entry(let user, _) = targets[index].profile.reading.read(
                            line.content, terminator: line.terminator)
                    else { continue }
                    perTarget[index].countInSecondPass(UnsafeBufferPointer(rebasing: line.content[user]))
                }
            }
        }

        // Pass 3: the findings, line by line.
        var state = targets.map { _ in TargetState() }
        var ownSeen = own
        var summary = (crlf: 0, lf: 0, last: LineTerminator.lf, sawBOM: false)
        try store.scan { line in
            summary.last = line.terminator
            if line.terminator == .crlf { summary.crlf += 1 } else if line.terminator == .lf { summary.lf += 1 }
            if line.number == 1, line.content.starts(with: [0xEF, 0xBB, 0xBF]) {
                summary.sawBOM = true
                report(
                    Finding(
                        line: 1, user: Self.intendedEntry(line.content)?.user, severity: .error, id: .byteOrderMark,
                        target: nil,
                        message:
                            "The file starts with a UTF-8 byte-order mark, which becomes part of the first user's name for every server"
                    ))
            }
            checkLine(line, ownDuplicates: &ownSeen, state: &state, perTarget: &perTarget, report)
        }
        if summary.crlf > 0 {
            report(
                Finding(
                    line: nil, user: nil, severity: .warning, id: .crlf, target: nil,
                    message:
                        "\(summary.crlf) line\(summary.crlf == 1 ? "" : "s") end\(summary.crlf == 1 ? "s" : "") with CRLF: \(Self.carriageReturnFacts)"
                ))
        }
        if summary.last == .none {
            report(
                Finding(
                    line: nil, user: nil, severity: .warning, id: .missingFinalNewline, target: nil,
                    message:
                        "The last line has no newline: the next tool that appends ('echo >>', Apache's htpasswd) glues its line onto it"
                ))
        }
    }

    /// What one target has seen so far.
    private struct TargetState {
        /// The line where it stopped reading, if it did.
        var stoppedAt: Int?
        /// Whether it refuses the file (reported once).
        var refused = false
    }

    private func checkLine(
        _ line: ScannedLine, ownDuplicates: inout DuplicateFilter, state: inout [TargetState],
        perTarget: inout [DuplicateFilter], _ report: (Finding) -> Void
    ) {
        let number = line.number
        func entry(
            _ id: FindingID, _ severity: Finding.Severity, _ user: [UInt8]?, _ target: Target?, _ message: String
        ) {
            report(Finding(line: number, user: user, severity: severity, id: id, target: target, message: message))
        }

        // As htpass (and nginx) reads the line.
        switch line.kind {
        case .entry:
            let user = Array(line.user)
            let ownHash = Array(line.hash)
            let shown = displayText(user)
            let format = HashFormat(ownHash)
            switch format {
            case .failureToken:
                entry(
                    .failureToken, .error, user, nil,
                    "The entry of '\(shown)' is a crypt failure token ('\(displayText(ownHash))'): no password matches"
                )
            case .unknown:
                entry(
                    .unknownFormat, .error, user, nil,
                    "The hash of '\(shown)' has no known format (a password in clear?): no server lets this user in"
                )
            default:
                if format.isWeak {
                    entry(
                        .weakFormat, .warning, user, nil,
                        "The hash of '\(shown)' is \(format.name), cheap to crack from a leaked file"
                    )
                }
            }
            if ownDuplicates.isLaterLine(line.user) {
                entry(
                    .duplicateUser, .warning, user, nil,
                    "'\(shown)' is listed again: \(Self.duplicateFacts)"
                )
            }
            if line.content.count > HtpasswdFile.apacheRecordLimit {
                entry(
                    .longRecord, .warning, user, nil,
                    "The record of '\(shown)' is \(line.content.count) bytes: Apache's htpasswd cannot edit a file with a line of \(HtpasswdFile.apacheRecordLimit + 1) bytes or more"
                )
            }
            if let problem = UserName.problem(with: user), problem != .empty {
                entry(
                    .nameNotPortable, .warning, user, nil,
                    "The name '\(shown)' is not portable: \(Self.portability(problem))")
            }
        case .malformed(let reason):
            entry(
                .malformedLine, .warning, nil, nil,
                "Line \(number) is not an entry (\(reason.explanation)): \(Self.readings(of: line))"
            )
        case .comment, .blank:
            if line.content.count > HtpasswdFile.apacheRecordLimit {
                entry(
                    .longRecord, .warning, nil, nil,
                    "Line \(number) is \(line.content.count) bytes: Apache's htpasswd cannot edit a file with a line of \(HtpasswdFile.apacheRecordLimit + 1) bytes or more"
                )
            }
        }

        // As each target reads it, against the entry the line's writer most likely meant: the line
        // without white space around it, the name and the hash without white space around them.
        let intended = Self.intendedEntry(line.content)
        for (index, target) in targets.enumerated() {
            let profile = target.profile
            let reading = profile.reading
            if let stop = state[index].stoppedAt {
                if let intended {
                    report(
                        Finding(
                            line: number, user: intended.user, severity: .error, id: .lineNotRead, target: target,
                            message:
                                "\(target.displayName) stops reading at line \(stop): '\(displayText(intended.user))' gets 401",
                            stoppedAt: stop))
                }
                continue
            }
            switch reading.read(line.content, terminator: line.terminator) {
            case .stopsReading:
                state[index].stoppedAt = number
                report(
                    Finding(
                        line: number, user: intended?.user, severity: .error, id: .lineNotRead, target: target,
                        message:
                            "\(target.displayName) stops reading the file at this \(line.content.count)-byte line: the users from here on get 401",
                        stoppedAt: number))
            case .refusesFile(let reason):
                report(
                    Finding(
                        line: number, user: nil, severity: .error, id: .fileRefused, target: target,
                        message:
                            "\(target.displayName) refuses the whole file because of \(reason): every user gets 401 (or 400/404)",
                        refusal: reason))
            case .ignored:
                if let intended {
                    let why = intended.user.isEmpty ? "never lets an empty user name in" : "skips this line"
                    entry(
                        .lineNotRead, .error, intended.user, target,
                        "\(target.displayName) \(why): '\(displayText(intended.user))' gets 401")
                }
            case .entry(let userRange, let hashRange):
                let bytes = reading.lineBytes(line.content, terminator: line.terminator)
                let user = Array(bytes[userRange])
                var hash = Array(bytes[hashRange])
                let shown = displayText(user)
                if user.isEmpty {
                    entry(
                        .emptyUser, .warning, user, target,
                        "\(target.displayName) takes this line for a user with an empty name")
                }
                // Which line of a user the target uses.
                let name = UnsafeBufferPointer(rebasing: line.content[userRange])
                let later = perTarget[index].isLaterLine(name)
                var used = true
                switch reading.duplicates {
                case .firstWins: used = !later
                case .lastWins: used = perTarget[index].isLastLine(name)
                case .refusesFile:
                    if later {
                        report(
                            Finding(
                                line: number, user: nil, severity: .error, id: .fileRefused, target: target,
                                message:
                                    "\(target.displayName) refuses the whole file because '\(shown)' is listed twice: every user gets 401",
                                refusal: .duplicateUser))
                        used = false
                    }
                }
                if let intended, user != intended.user {
                    entry(
                        .nameReadDifferently, .error, intended.user, target,
                        "\(target.displayName) reads the user '\(displayText(intended.user))' as '\(shown)' (white space around it counts): '\(displayText(intended.user))' gets 401"
                    )
                    continue
                }
                guard used else { continue }
                hash = reading.verifiedHash(hash)
                if let intended, hash != reading.verifiedHash(intended.hash) {
                    // `{PLAIN}` is the password itself: white space after it is part of the password.
                    if HashFormat(hash) == .plain, hash.starts(with: intended.hash),
                        hash[intended.hash.count...].allSatisfy({ $0 == 0x20 || (0x09...0x0D).contains($0) })
                    {
                        entry(
                            .hashReadDifferently, .warning, user, target,
                            "\(target.displayName) reads the white space after the {PLAIN} password of '\(shown)' as part of it: a client must send it too"
                        )
                    } else {
                        entry(
                            .hashReadDifferently, .error, user, target,
                            "\(target.displayName) reads the hash of '\(shown)' as '\(displayText(hash))': '\(shown)' gets 401"
                        )
                        continue
                    }
                }
                let format = HashFormat(hash)
                // Failure tokens and unknown formats are reported once, for every server, above.
                guard format.isVerifiable, let refusal = profile.refusal(for: format) else { continue }
                let id: FindingID =
                    switch refusal {
                    case .format: .formatNotVerified
                    case .bcryptCost: .bcryptCostTooHigh
                    case .bcryptVariant: .bcryptPrefixNotVerified
                    case .shaRounds: .roundsTooHigh
                    case .passwordLength: .formatNotVerified
                    }
                entry(
                    id, .error, user, target,
                    "\(target.displayName) cannot verify \(refusal): '\(shown)' gets 401"
                )
            }
        }
    }

    // MARK: What the servers do, in words built from their profiles

    /// What servers do, in the singular and the plural: `uses its first line`, `use its first line`.
    private struct Behaviour: Equatable {
        var singular: String
        var plural: String

        init(_ singular: String, _ plural: String) {
            self.singular = singular
            self.plural = plural
        }
    }

    /// What each server does with the later line of a user listed twice.
    static let duplicateFacts: String = phrase { target -> Behaviour in
        switch target.profile.reading.duplicates {
        case .firstWins: Behaviour("uses its first line", "use its first line")
        case .lastWins: Behaviour("uses its last", "use its last")
        case .refusesFile: Behaviour("refuses the whole file", "refuse the whole file")
        }
    }

    /// What the servers do with a carriage return before the newline.
    static let carriageReturnFacts: String = {
        let keeping = Target.allCases.filter { $0.profile.reading.keepsCarriageReturn }
        guard !keeping.isEmpty else { return "every server drops the CR" }
        let verb = keeping.count == 1 ? "keeps" : "keep"
        return "\(list(keeping)) \(verb) the CR as part of the line, the other servers drop it"
    }()

    /// Why a name written by another tool is fragile, as a fact (``UserName/Problem``'s own description
    /// says what to type instead, which is the command's to say).
    static func portability(_ problem: UserName.Problem) -> String {
        switch problem {
        case .empty: "it is empty"
        case .tooLong(let length):
            "it is \(length) bytes; htpass and Apache's htpasswd write at most \(UserName.maximumLength)"
        case .containsColon: "it contains ':', which ends a name for every server"
        case .containsControlCharacter(let byte):
            "it contains the control character 0x\(String(byte, radix: 16, uppercase: true))"
        case .startsWithHash: "it starts with '#', which makes the line a comment for some servers"
        case .leadingSpace:
            "it starts with a space: "
                + phrase {
                    $0.profile.reading.trimsLines ? Behaviour("trims it", "trim it") : Behaviour("keeps it", "keep it")
                }
        case .trailingSpace: "it ends with a space, which every server keeps, so a client must send it too"
        }
    }

    /// What each server makes of a line that is no entry for htpass.
    static func readings(of line: ScannedLine) -> String {
        phrase { target -> Behaviour in
            switch target.profile.reading.read(line.content, terminator: line.terminator) {
            case .ignored: Behaviour("skips it", "skip it")
            case .refusesFile: Behaviour("refuses the whole file", "refuse the whole file")
            case .stopsReading: Behaviour("stops reading there", "stop reading there")
            case .entry(let user, _):
                user.isEmpty
                    ? Behaviour("reads a user with an empty name", "read a user with an empty name")
                    : Behaviour("reads an entry", "read an entry")
            }
        }
    }

    /// `nginx and Apache httpd use its first line; Envoy refuses the whole file`: every target grouped by
    /// what it does, in the order each behaviour first appears.
    private static func phrase(_ behaviour: (Target) -> Behaviour) -> String {
        var groups: [(behaviour: Behaviour, targets: [Target])] = []
        for target in Target.allCases {
            let what = behaviour(target)
            if let index = groups.firstIndex(where: { $0.behaviour == what }) {
                groups[index].targets.append(target)
            } else {
                groups.append((what, [target]))
            }
        }
        return groups.map { group in
            list(group.targets) + " " + (group.targets.count == 1 ? group.behaviour.singular : group.behaviour.plural)
        }.joined(separator: "; ")
    }

    /// `nginx, Apache httpd and lighttpd`.
    private static func list(_ targets: [Target]) -> String {
        let names = targets.map(\.displayName)
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + names.last!
    }

    /// The entry a line's writer most likely meant: the line without white space around it (not a
    /// comment), the name before the first `:` and the hash up to the next, each without white space
    /// around it; nil for a line that is no entry.
    static func intendedEntry(_ content: UnsafeBufferPointer<UInt8>) -> (user: [UInt8], hash: [UInt8])? {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        func trim(_ bytes: some BidirectionalCollection<UInt8>) -> [UInt8] {
            Array(bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
        }
        guard let first = content.first, first != UInt8(ascii: "#") else { return nil }
        var line = trim(content)
        // A '#' after white space: a comment for Apache and the Go servers, an entry for nginx and
        // lighttpd, which keep the spaces: taken as they read it.
        if line.first == UInt8(ascii: "#") { line = Array(content) }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let rest = line[(colon + 1)...]
        let hashEnd = rest.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex
        let user =
            line.first(where: { !isSpace($0) }) == UInt8(ascii: "#") ? Array(line[..<colon]) : trim(line[..<colon])
        return (user, trim(rest[..<hashEnd]))
    }
}

extension WorkerAccount {
    /// Whether this account can read the file at `path` (root always can; true when there is no file) and,
    /// with `throughDirectories`, search every directory above it. A file bind-mounted into a container is
    /// read without the host's directories: leave them out there.
    public func canRead(_ path: FilePath, throughDirectories: Bool = true) -> Bool {
        PathAccess(path).canRead(as: self, throughDirectories: throughDirectories)
    }
}

/// The permission facts of a path, from its directory chain.
struct PathAccess {
    /// The directories from the root down to the file's, with their status.
    private var directories: [(path: FilePath, info: stat)] = []
    private var file: stat?

    init(_ target: FilePath) {
        var info = stat()
        if target.withPlatformString({ stat($0, &info) }) == 0 { file = info }
        let real = target.withPlatformString { realpath($0, nil) }
        defer { free(real) }
        guard let real else { return }
        var path = FilePath(platformString: real)
        var chain: [FilePath] = []
        while path.removeLastComponent() { chain.append(path) }
        for directory in chain.reversed() {
            var info = stat()
            if directory.withPlatformString({ stat($0, &info) }) == 0 { directories.append((directory, info)) }
        }
    }

    var fileMode: UInt32? { file.map { UInt32($0.st_mode) } }

    /// Directories writable by group or others (without the sticky bit for others).
    var writableDirectories: [FilePath] {
        directories.filter { entry in
            let mode = UInt32(entry.info.st_mode)
            if mode & 0o002 != 0 && mode & 0o1000 == 0 { return true }
            return mode & 0o020 != 0 && entry.info.st_gid != 0
        }.map(\.path)
    }

    /// Whether `account` can read the file and search every directory above it.
    func canRead(as account: WorkerAccount, throughDirectories: Bool = true) -> Bool {
        guard account.uid != 0, let file else { return true }
        let allowed = permissions(of: account)
        return (!throughDirectories || directories.allSatisfy { allowed($0.info, 0o1) }) && allowed(file, 0o4)
    }

    /// The first directory from the root down that `account` cannot search, if there is one.
    func firstUnsearchableDirectory(for account: WorkerAccount) -> FilePath? {
        guard account.uid != 0 else { return nil }
        let allowed = permissions(of: account)
        return directories.first { !allowed($0.info, 0o1) }?.path
    }

    /// Whether `account` has `bits` (0o4 read, 0o1 search) on a file of status `info`.
    private func permissions(of account: WorkerAccount) -> (stat, UInt32) -> Bool {
        let groups = Set([account.gid] + (account.name.map(SystemGroup.memberships(of:)) ?? []))
        return { info, bits in
            let mode = UInt32(info.st_mode)
            if info.st_uid == account.uid { return mode & (bits << 6) == bits << 6 }
            if groups.contains(info.st_gid) { return mode & (bits << 3) == bits << 3 }
            return mode & bits == bits
        }
    }
}

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
    public var store: HtpasswdStore
    public var targets: [Target]
    /// Whether the path is checked too (its permissions, mounts, links), or only the content.
    public var checksPath: Bool

    public init(store: HtpasswdStore, targets: [Target], checksPath: Bool = true) {
        self.store = store
        self.targets = targets
        self.checksPath = checksPath
    }

    /// One thing a server would trip on, or that puts the file at risk.
    public struct Finding: Equatable, Sendable {
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
        public var severity: Severity
        public var id: FindingID
        /// The server the finding is about, or nil when it holds for every server.
        public var target: Target?
        /// One line: what is wrong and what to do.
        public var message: String
    }

    /// The stable identifiers of findings (documented in Docs/targets.md).
    public enum FindingID: String, CaseIterable, Sendable {
        // The path
        case notFound = "not-found"
        case isDirectory = "is-directory"
        case notReadableByWorker = "not-readable-by-worker"
        case worldWritable = "world-writable"
        case worldReadable = "world-readable"
        case writableDirectory = "writable-directory"
        case singleFileBindMount = "single-file-bind-mount"
        case staleBindMount = "stale-bind-mount"
        case hardLinks = "hard-links"
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
    }

    /// Checks the path and the file, calling `report` with each finding.
    ///
    /// - Throws: A file error other than a missing file or a directory (those are findings).
    public func run(_ report: (Finding) -> Void) throws(HtpasswdError) {
        if checksPath {
            let placement = try store.placement()
            if !checkPath(placement, report) { return }
        }
        try checkContent(report)
    }

    // MARK: The path

    /// Reports findings about the path; false when there is no file to read.
    private func checkPath(_ placement: FilePlacement, _ report: (Finding) -> Void) -> Bool {
        func path(_ id: FindingID, _ severity: Finding.Severity, _ message: String, target: Target? = nil) {
            report(Finding(line: nil, user: nil, severity: severity, id: id, target: target, message: message))
        }
        let name = store.path.displayText
        guard placement.exists else {
            path(
                .notFound, .error,
                "'\(name)' does not exist: servers answer 500 or 403 to every request")
            return false
        }
        guard !placement.isDirectory else {
            path(
                .isDirectory, .error,
                "'\(name)' is a directory (Docker makes one when a bind-mount source is missing): servers answer 500; remove it and create the file"
            )
            return false
        }
        guard placement.isRegularFile else {
            path(.notFound, .error, "'\(name)' is not a regular file: give the path of an htpasswd file")
            return false
        }
        let access = PathAccess(placement.target)
        if let mode = access.fileMode {
            if mode & 0o002 != 0 {
                path(
                    .worldWritable, .error,
                    "'\(name)' is writable by every local user (mode 0\(String(mode & 0o777, radix: 8))): run 'chmod o-w'"
                )
            } else if mode & 0o004 != 0 {
                path(
                    .worldReadable, .warning,
                    "'\(name)' is readable by every local user (mode 0\(String(mode & 0o777, radix: 8))), hashes included: prefer 0640 with the server's group"
                )
            }
        }
        for directory in access.writableDirectories {
            path(
                .writableDirectory, .warning,
                "'\(directory.displayText)' is writable by others than its owner: they could replace the file; run 'chmod go-w'"
            )
        }
        for target in targets {
            let workers = target.profile.workers
            let denied = workers.filter { !access.canRead(as: $0) }
            guard !denied.isEmpty else { continue }
            let names = denied.map { "\($0.name ?? "uid \($0.uid)") (\($0.context))" }.joined(separator: ", ")
            let all = denied.count == workers.count
            path(
                .notReadableByWorker, all ? .error : .warning,
                "The workers of \(target.displayName) cannot read '\(name)' as \(names): every request gets 500 or 403",
                target: target)
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
                "'\(name)' is bind-mounted alone at '\(mount.mountPoint.displayText)' (process \(mount.processID)): edits must be written in place, and readers may see one half-written"
            )
        }
        for mount in placement.staleBindMounts {
            path(
                .staleBindMount, .error,
                "Process \(mount.processID) reads an earlier copy of '\(name)' mounted alone at '\(mount.mountPoint.displayText)', which an edit by rename replaced: it does not see the current users; restart that container"
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
                            "The file starts with a UTF-8 byte-order mark, which becomes part of the first user's name for every server: save it without one"
                    ))
            }
            checkLine(line, ownDuplicates: &ownSeen, state: &state, perTarget: &perTarget, report)
        }
        if summary.crlf > 0 {
            report(
                Finding(
                    line: nil, user: nil, severity: .warning, id: .crlf, target: nil,
                    message:
                        "\(summary.crlf) line\(summary.crlf == 1 ? "" : "s") end with CRLF: most servers strip the CR, Envoy does not; prefer LF"
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
                    "'\(shown)' is listed again: nginx, Apache and lighttpd use its first line, Traefik, the registry and OpenShift its last"
                )
            }
            if line.content.count > HtpasswdFile.apacheRecordLimit {
                entry(
                    .longRecord, .warning, user, nil,
                    "The record of '\(shown)' is \(line.content.count) bytes: Apache's htpasswd cannot edit a file with a line of 256 bytes or more"
                )
            }
            if let problem = UserName.problem(with: user), problem != .empty {
                entry(
                    .nameNotPortable, .warning, user, nil,
                    "The name '\(shown)' is read differently by some servers: \(problem)")
            }
        case .malformed(let reason):
            entry(
                .malformedLine, .warning, nil, nil,
                "Line \(number) is not an entry (\(reason.explanation)): servers skip it, Traefik and the registry refuse the whole file"
            )
        case .comment, .blank:
            if line.content.count > HtpasswdFile.apacheRecordLimit {
                entry(
                    .longRecord, .warning, nil, nil,
                    "Line \(number) is \(line.content.count) bytes: Apache's htpasswd cannot edit a file with a line of 256 bytes or more"
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
                    entry(
                        .lineNotRead, .error, intended.user, target,
                        "\(target.displayName) stops reading at line \(stop): '\(displayText(intended.user))' gets 401")
                }
                continue
            }
            switch reading.read(line.content, terminator: line.terminator) {
            case .stopsReading:
                state[index].stoppedAt = number
                entry(
                    .lineNotRead, .error, intended?.user, target,
                    "\(target.displayName) stops reading the file at this \(line.content.count)-byte line: the users from here on get 401; shorten it"
                )
            case .refusesFile(let reason):
                entry(
                    .fileRefused, .error, nil, target,
                    "\(target.displayName) refuses the whole file because of \(reason): every user gets 401 (or 400/404)"
                )
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
                        "\(target.displayName) takes this line for a user with an empty name: remove it")
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
                        entry(
                            .fileRefused, .error, nil, target,
                            "\(target.displayName) refuses the whole file because '\(shown)' is listed twice: every user gets 401; remove one line"
                        )
                        used = false
                    }
                }
                if let intended, user != intended.user {
                    entry(
                        .nameReadDifferently, .error, intended.user, target,
                        "\(target.displayName) reads the user '\(displayText(intended.user))' as '\(shown)' (white space around it counts): '\(displayText(intended.user))' gets 401; remove the white space"
                    )
                    continue
                }
                guard used else { continue }
                if case .bcrypt = HashFormat(hash), reading.bcryptIgnoresTrailingBytes, hash.count > 60 {
                    hash = Array(hash.prefix(60))
                }
                if let intended, hash != intended.hash {
                    entry(
                        .hashReadDifferently, .error, user, target,
                        "\(target.displayName) reads the hash of '\(shown)' as '\(displayText(hash))': '\(shown)' gets 401; remove what surrounds the hash"
                    )
                    continue
                }
                let format = HashFormat(hash)
                guard format.isVerifiable, let refusal = profile.refusal(for: format) else { continue }
                if reading.unverifiableEntryRefusesFile {
                    entry(
                        .fileRefused, .error, nil, target,
                        "\(target.displayName) refuses the whole file because the hash of '\(shown)' is \(format.name) (it verifies {SHA} only): every user gets 401"
                    )
                    continue
                }
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
    func canRead(as account: WorkerAccount) -> Bool {
        guard account.uid != 0, let file else { return true }
        let groups = Set([account.gid] + (account.name.map(SystemGroup.memberships(of:)) ?? []))
        func allowed(_ info: stat, _ bits: UInt32) -> Bool {
            let mode = UInt32(info.st_mode)
            if info.st_uid == account.uid { return mode & (bits << 6) == bits << 6 }
            if groups.contains(info.st_gid) { return mode & (bits << 3) == bits << 3 }
            return mode & bits == bits
        }
        return directories.allSatisfy { allowed($0.info, 0o1) } && allowed(file, 0o4)
    }
}

extension FilePath {
    /// The path for messages: valid UTF-8 as is, other bytes as `\xNN`.
    var displayText: String {
        withPlatformString { HtpasswdCore.displayText(UnsafeRawBufferPointer(start: $0, count: strlen($0))) }
    }
}

import Glibc
import HtpasswdCore

/// Every call `htpass htpasswd` makes to the store, in one place: Apache's edits, made locked, atomic and durable.
///
/// Apache htpasswd copies the file line by line and refuses (status 7) a file with a line that has no `:` and is
/// neither blank nor a comment; these edits refuse the same files, and change nothing in them. Unlike Apache,
/// they read lines of any length, keep the other lines byte for byte (CRLF endings, a missing final newline,
/// `:extra` fields), and leave later lines of the same user to ``HtpasswdFile/setHash(_:for:)``.
enum ApacheEdit {
    /// What ``set(_:for:in:fresh:mode:)`` did.
    enum SetResult: Equatable {
        case added, updated, invalidFile
    }

    /// What ``delete(_:from:)`` did.
    enum DeleteResult: Equatable {
        case deleted, notFound, invalidFile
    }

    /// What `-v` needs to know about the file, in Apache's order of reading it.
    struct Lookup {
        init() {}

        /// The user's first line, if any.
        var entry: Entry?
        /// The first line Apache refuses (no `:`, not blank, not a comment), if any.
        var firstInvalidLine: Int?
    }

    /// Adds or updates `user`; with `fresh` (`-c`), starts the file afresh, as Apache does, but writes the new
    /// file whole or not at all.
    ///
    /// - Parameter mode: The permission bits of a file that did not exist.
    static func set(_ hash: PasswordHash, for user: UserName, in path: String, fresh: Bool, mode: UInt32)
        throws(HtpasswdError) -> SetResult
    {
        var store = HtpasswdStore(path: path)
        store.lockWaiting = Output.lockWaiting
        if !fresh, try firstInvalidLine(in: store) != nil { return .invalidFile }
        var changes = HtpasswdChanges()
        changes.set(hash, for: user)
        let report = try store.apply(
            changes, creation: fresh ? .replace : .mustExist, attributes: HtpasswdStore.NewFileAttributes(mode: mode))
        return report.outcome.added.isEmpty ? .updated : .added
    }

    /// Removes every line of `user`.
    static func delete(_ user: [UInt8], from path: String) throws(HtpasswdError) -> DeleteResult {
        var store = HtpasswdStore(path: path)
        store.lockWaiting = Output.lockWaiting
        if try firstInvalidLine(in: store) != nil { return .invalidFile }
        var changes = HtpasswdChanges()
        changes.remove(user)
        let report = try store.apply(changes)
        return report.outcome.removed.isEmpty ? .notFound : .deleted
    }

    /// Reads the file for `-v`.
    static func lookup(_ user: [UInt8], in path: String) throws(HtpasswdError) -> Lookup {
        let store = HtpasswdStore(path: path)
        return try store.withConsistentReads { () throws(HtpasswdError) -> Lookup in
            var lookup = Lookup()
            try store.scan { line in
                if lookup.entry == nil, line.kind == .entry, line.user.elementsEqual(user) { lookup.entry = line.entry }
                if lookup.firstInvalidLine == nil, isInvalid(line) { lookup.firstInvalidLine = line.number }
            }
            return lookup
        }
    }

    /// The number of the first line Apache's htpasswd refuses: not blank, not a comment (`#` after any
    /// leading white space), and without `:`.
    private static func firstInvalidLine(in store: HtpasswdStore) throws(HtpasswdError) -> Int? {
        var first: Int?
        try store.scan { line in
            if first == nil, isInvalid(line) { first = line.number }
        }
        return first
    }

    /// Whether Apache refuses `line`: the library calls an indented comment malformed; Apache skips white
    /// space first.
    private static func isInvalid(_ line: ScannedLine) -> Bool {
        guard line.kind == .malformed(.noColon) else { return false }
        let text = line.content.drop { $0 == 0x20 || (0x09...0x0D).contains($0) }
        return text.first.map { $0 != UInt8(ascii: "#") } ?? false
    }

    // MARK: Apache's checks before any work

    /// The checks Apache makes before reading a password: the file must exist without `-c`, be readable (and
    /// writable unless `-v`), or, with `-c`, be creatable. Apache creates the empty file here; htpass does not.
    static func checkAccess(
        _ path: String, _ displayPath: [UInt8], mode: ApacheCommandLine.Mode, _ messages: ApacheMessages
    ) throws(ApacheFailure) {
        var info = stat()
        let exists = stat(path, &info) == 0
        if exists && info.st_mode & S_IFMT == S_IFREG {
            let wanted = mode == .verify ? R_OK : R_OK | W_OK
            guard access(path, wanted) == 0 else {
                throw ApacheFailure(.fileProblem, messages.cannotOpen(displayPath, forWriting: mode != .verify))
            }
            return
        }
        guard mode == .create else { throw ApacheFailure(.fileProblem, messages.cannotModify(displayPath)) }
        let (directory, _) = split(path)
        var directoryInfo = stat()
        guard !exists, lstat(path, &info) != 0 || info.st_mode & S_IFMT == S_IFLNK,
            stat(directory, &directoryInfo) == 0, directoryInfo.st_mode & S_IFMT == S_IFDIR,
            access(directory, W_OK | X_OK) == 0
        else {
            throw ApacheFailure(.fileProblem, messages.cannotCreate(displayPath))
        }
    }

    /// The permission bits Apache's new file gets: `0666` less the umask.
    static var newFileMode: UInt32 {
        let mask = umask(0)
        umask(mask)
        return 0o666 & ~UInt32(mask)
    }

    private static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}

import Glibc

/// An htpasswd file held in memory as a list of lines, edited without changing any line the edit does
/// not concern.
///
/// Comments, blank lines, CRLF endings, `user:hash:extra` fields, malformed lines and a missing final
/// newline all survive a round trip: `HtpasswdFile(bytes: b).bytes == b` for any `b`. After an edit that
/// changes something, every line ends with a newline, the last one too, so that a tool that appends
/// (`echo user:hash >> FILE`, Apache's htpasswd) cannot glue its line onto ours.
///
/// Reading follows nginx (see ``LineKind``): `#` starts a comment only in column 0, the user name ends
/// at the first `:` and is not trimmed, the hash ends at the next `:`, and when a user has several lines
/// the first wins.
///
/// The whole file is in memory: this is the model for small files and for tests. ``HtpasswdStore``
/// reads and edits files of any size in constant memory, and gives the same bytes as this model.
///
/// Lines are ranges of the parsed bytes, or of a second, small buffer for the lines an edit writes.
/// Parsing copies nothing and costs 24 bytes per line.
public struct HtpasswdFile: Sendable {
    struct Line: Sendable {
        /// The line's text, without its terminator: `start..<end` of ``HtpasswdFile/storage``, or of
        /// ``HtpasswdFile/written`` if `isWritten`.
        var start: Int
        var end: Int
        /// The offset of the first `:` from `start` for an entry line; -1 for anything else.
        var colon: Int32
        var terminator: LineTerminator
        var isWritten = false
    }

    /// The parsed bytes, never modified: an edit does not copy them.
    private var storage: [UInt8] = []
    /// The text of the lines written by edits.
    private var written: [UInt8] = []
    private var lines: [Line] = []
    /// Whether an edit changed a line (so ``bytes`` must be assembled, with a final newline).
    private var edited = false

    /// An empty file.
    public init() {}

    /// Parses `bytes`; never fails. Lines that are not entries are kept and reported by ``malformedLines``.
    public init(bytes: [UInt8]) {
        storage = bytes
        lines.reserveCapacity(bytes.count / 48 + 1)
        storage.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                var end = LineSyntax.firstIndex(of: 0x0A, in: buffer, from: start) ?? buffer.count
                var terminator = LineTerminator.none
                let next = end < buffer.count ? end + 1 : end
                if end < buffer.count {
                    terminator = .lf
                    if end > start && buffer[end - 1] == 0x0D {
                        end -= 1
                        terminator = .crlf
                    }
                }
                lines.append(Self.makeLine(buffer, start: start, end: end, terminator))
                start = next
            }
        }
    }

    private static func makeLine(
        _ buffer: UnsafeBufferPointer<UInt8>, start: Int, end: Int, _ terminator: LineTerminator
    ) -> Line {
        let (kind, colon) = LineSyntax.classify(UnsafeBufferPointer(rebasing: buffer[start..<end]))
        return Line(
            start: start, end: end, colon: kind == .entry ? Int32(truncatingIfNeeded: colon) : -1,
            terminator: terminator)
    }

    /// Keeps `content` in the buffer of written lines and returns it as a line.
    private mutating func writtenLine(_ content: [UInt8], _ terminator: LineTerminator) -> Line {
        let start = written.count
        written.append(contentsOf: content)
        var line = written.withUnsafeBufferPointer {
            Self.makeLine($0, start: start, end: start + content.count, terminator)
        }
        line.isWritten = true
        return line
    }

    private func content(_ line: Line) -> ArraySlice<UInt8> {
        line.isWritten ? written[line.start..<line.end] : storage[line.start..<line.end]
    }

    /// The file as bytes: identical to the parsed bytes if no edit changed anything; after an edit, every
    /// line ends with a newline, the last one too (with the file's line ending: that of its last line that has one, else LF).
    public var bytes: [UInt8] {
        if !edited { return storage }
        var result: [UInt8] = []
        result.reserveCapacity(lines.reduce(0) { $0 + $1.end - $1.start + 2 })
        for line in lines {
            result.append(contentsOf: content(line))
            result.append(contentsOf: line.terminator.bytes)
        }
        if lines.last?.terminator == LineTerminator.none { result.append(contentsOf: lineEnding.bytes) }
        return result
    }

    /// The number of lines, counting a final line without a newline.
    public var lineCount: Int { lines.count }

    // MARK: Reading

    /// Every entry line, in file order, including later lines of a user listed twice.
    public var entries: [Entry] {
        lines.indices.compactMap { entry(at: $0) }
    }

    /// The same entries as ``entries``, made one at a time: for a pass that may stop early, or that
    /// should not hold a million entries at once.
    public var lazyEntries: some Sequence<Entry> {
        lines.indices.lazy.compactMap { entry(at: $0) }
    }

    /// The entry consumers use for `user`: its first line, or nil.
    ///
    /// - Complexity: O(*k*), *k* the number of lines up to the user's first (all of them for an unknown
    ///   user): the lines are searched, as a server reads them, and no index is kept, since every edit of
    ///   the file would have to update it. To look up many users, read the file once into a dictionary of
    ///   ``entries``, or use HtpasswdVerifier's `AuthenticatorIndex` to authenticate.
    public func entry(for user: some Collection<UInt8>) -> Entry? {
        let user = Array(user)
        guard let index = lines.indices.first(where: { isLine($0, of: user) }) else { return nil }
        return entry(at: index)
    }

    /// The entry consumers use for `user` (its UTF-8 bytes): its first line, or nil.
    public func entry(for user: String) -> Entry? {
        entry(for: Array(user.utf8))
    }

    /// Lines that are not entries, comments or blank lines.
    public var malformedLines: [MalformedLine] {
        lines.indices.compactMap { index in
            let line = lines[index]
            guard line.colon < 0 else { return nil }
            let kind = content(line).withUnsafeBufferPointer { LineSyntax.classify($0).kind }
            guard case .malformed(let reason) = kind else { return nil }
            return MalformedLine(lineNumber: index + 1, reason: reason)
        }
    }

    private func entry(at index: Int) -> Entry? {
        let line = lines[index]
        guard line.colon >= 0 else { return nil }
        let text = content(line)
        let colon = line.start + Int(line.colon)
        let rest = text[(colon + 1)...]
        let hashEnd = rest.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex
        return Entry(
            lineNumber: index + 1, user: text[..<colon], hash: rest[..<hashEnd], extra: rest[hashEnd...])
    }

    /// The indices of the lines of `user`, in file order.
    private func indices(of user: [UInt8]) -> [Int] {
        lines.indices.filter { isLine($0, of: user) }
    }

    /// Whether line `index` is an entry of `user`.
    private func isLine(_ index: Int, of user: [UInt8]) -> Bool {
        let line = lines[index]
        guard Int(line.colon) == user.count else { return false }
        return content(line).prefix(user.count).elementsEqual(user)
    }

    // MARK: Editing

    /// The longest record, `user:hash` and any extra field, that Apache's htpasswd can still edit.
    public static let apacheRecordLimit = 255

    /// What ``setHash(_:for:)`` did.
    public struct SetOutcome: Equatable, Sendable {
        /// Whether the user was new to the file.
        public var added: Bool
        /// Whether the user's first line already had this hash (then only later lines, if any, changed).
        public var sameHash: Bool
        /// The line numbers (before the edit) of later lines of the same user that were removed.
        public var removedDuplicateLines: [Int]
        /// The length of the record written, `user:hash` and any extra field; Apache's htpasswd cannot
        /// edit a file with a record over ``HtpasswdFile/apacheRecordLimit`` bytes.
        public var recordLength: Int
    }

    /// Adds `user` with `hash`, or replaces the hash of its first line and removes its later lines.
    ///
    /// A replaced line keeps its extra fields and its line ending; a new line goes at the end, with the
    /// file's line ending.
    @discardableResult
    public mutating func setHash(_ hash: PasswordHash, for user: UserName) -> SetOutcome {
        let matching = indices(of: user.bytes)
        if let first = matching.first {
            let old = lines[first]
            let text = content(old)
            let rest = text[(old.start + Int(old.colon) + 1)...]
            let hashEnd = rest.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex
            let sameHash = rest[..<hashEnd].elementsEqual(hash.bytes)
            let content = user.bytes + [UInt8(ascii: ":")] + hash.bytes + rest[hashEnd...]
            if !sameHash { lines[first] = writtenLine(content, old.terminator) }
            let duplicates = Array(matching.dropFirst())
            removeLines(at: duplicates)
            if !sameHash { edited = true }
            return SetOutcome(
                added: false, sameHash: sameHash, removedDuplicateLines: duplicates.map { $0 + 1 },
                recordLength: content.count)
        }
        let content = user.bytes + [UInt8(ascii: ":")] + hash.bytes
        edited = true
        let ending = lineEnding
        if let last = lines.indices.last, lines[last].terminator == .none { lines[last].terminator = ending }
        lines.append(writtenLine(content, ending))
        return SetOutcome(added: true, sameHash: false, removedDuplicateLines: [], recordLength: content.count)
    }

    /// Removes every line of `user`.
    ///
    /// - Returns: The number of lines removed; 0 if the user was not in the file.
    @discardableResult
    public mutating func removeEntries(for user: some Collection<UInt8>) -> Int {
        let matching = indices(of: Array(user))
        removeLines(at: matching)
        return matching.count
    }

    /// Removes every line of `user` (its UTF-8 bytes).
    @discardableResult
    public mutating func removeEntries(for user: String) -> Int {
        removeEntries(for: Array(user.utf8))
    }

    /// Applies `changes` (see ``HtpasswdChanges`` for the rules).
    ///
    /// - Throws: ``HtpasswdError/userNotFound(user:)`` when ``HtpasswdChanges/requiresRemovedUsers`` is set
    ///   and a user to remove is missing; ``HtpasswdError/changedSinceRead(user:)`` when an expectation does
    ///   not hold. The file is then unchanged.
    @discardableResult
    public mutating func apply(_ changes: HtpasswdChanges) throws(HtpasswdError) -> EditOutcome {
        for expectation in changes.expectations {
            let current = entry(for: expectation.user).map { Array($0.hash) }
            if current != expectation.hash { throw .changedSinceRead(user: expectation.user) }
        }
        let before = self
        var result = self
        var outcome = EditOutcome()
        if changes.startsEmpty && !result.lines.isEmpty {
            result.lines = []
            result.edited = true
        }
        outcome.missing = changes.removals.filter { result.entry(for: $0) == nil }
        if changes.requiresRemovedUsers, let first = outcome.missing.first { throw .userNotFound(user: first) }

        // Users that go: removed by name, or not listed; each once, in file order.
        var listed = Set(changes.assignments.map(\.user.bytes))
        listed.formUnion(changes.kept)
        let removedByName = Set(changes.removals)
        var seen = Set<[UInt8]>()
        for entry in result.entries {
            let user = Array(entry.user)
            let goes = removedByName.contains(user) || (changes.removesUnlisted && !listed.contains(user))
            if goes && seen.insert(user).inserted { outcome.removed.append(user) }
        }
        for user in outcome.removed { result.removeEntries(for: user) }

        // Users already in the file first, new ones at the end: the line ending of new lines is that of
        // the file once every old line that goes has gone.
        let present = changes.assignments.filter { result.entry(for: $0.user.bytes) != nil }
        let absent = changes.assignments.filter { result.entry(for: $0.user.bytes) == nil }
        var outcomes: [UserName: (SetOutcome, [EditOutcome.RemovedDuplicate])] = [:]
        for assignment in present + absent {
            // Later lines of the user, numbered as in the file before the edit.
            let duplicates =
                changes.startsEmpty
                ? []
                : before.indices(of: assignment.user.bytes).dropFirst().map {
                    EditOutcome.RemovedDuplicate(user: assignment.user, line: $0 + 1)
                }
            outcomes[assignment.user] = (result.setHash(assignment.hash, for: assignment.user), duplicates)
        }
        for assignment in changes.assignments {
            let (set, duplicates) = outcomes[assignment.user]!
            outcome.removedDuplicates += duplicates
            if set.added {
                outcome.added.append(assignment.user)
            } else if set.sameHash {
                outcome.unchanged.append(assignment.user)
            } else {
                outcome.changed.append(assignment.user)
            }
            if set.recordLength > Self.apacheRecordLimit {
                outcome.longRecords.append(EditOutcome.LongRecord(user: assignment.user, length: set.recordLength))
            }
        }
        outcome.removedDuplicates.sort { $0.line < $1.line }
        if !changes.startsEmpty {
            for line in before.malformedLines { outcome.noteMalformed(line) }
        }
        let oldBytes = before.bytes
        let newBytes = result.bytes
        outcome.firstChange = commonPrefixLength(newBytes, oldBytes)
        outcome.changedFile = outcome.firstChange != newBytes.count || newBytes.count != oldBytes.count
        outcome.size = newBytes.count
        if outcome.changedFile { self = result }
        return outcome
    }

    /// The line ending for a new line: that of the last line that has one, else LF.
    private var lineEnding: LineTerminator {
        lines.last(where: { $0.terminator != .none })?.terminator ?? .lf
    }

    /// Removes the lines at `indices` (ascending) in one pass.
    private mutating func removeLines(at indices: [Int]) {
        guard !indices.isEmpty else { return }
        var toRemove = indices[...]
        var kept: [Line] = []
        kept.reserveCapacity(lines.count - indices.count)
        for (index, line) in lines.enumerated() {
            if index == toRemove.first {
                toRemove.removeFirst()
            } else {
                kept.append(line)
            }
        }
        lines = kept
        edited = true
    }
}

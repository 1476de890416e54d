import Glibc

/// An htpasswd file as a list of lines, edited without changing any line the edit does not concern.
///
/// Comments, blank lines, CRLF endings, `user:hash:extra` fields, malformed lines and a missing final
/// newline all survive a round trip: `HtpasswdFile(bytes: b).bytes == b` for any `b`.
///
/// Reading follows nginx: `#` starts a comment only in column 0, the user name ends at the first `:`
/// and is not trimmed, the hash ends at the next `:`, and when a user has several lines the first wins.
///
/// Lines are ranges of the parsed bytes, or of a second, small buffer for the lines an edit writes.
/// Parsing copies nothing and costs 24 bytes per line, so a million-line file is cheap.
public struct HtpasswdFile: Sendable {
    /// How a line ends.
    enum Terminator: UInt8, Sendable {
        case none, lf, crlf
    }

    struct Line: Sendable {
        /// The line's text, without its terminator: `start..<end` of ``HtpasswdFile/storage``, or of
        /// ``HtpasswdFile/written`` if `isWritten`.
        var start: Int
        var end: Int
        /// The offset of the first `:` from `start` for an entry line; -1 for anything else.
        var colon: Int32
        var terminator: Terminator
        var isWritten = false
    }

    /// The parsed bytes, never modified: an edit does not copy them.
    private var storage: [UInt8] = []
    /// The text of the lines written by edits.
    private var written: [UInt8] = []
    private var lines: [Line] = []
    /// Whether the file is still exactly `storage` (no edit so far), so ``bytes`` can return it as it is.
    private var unchanged = true

    /// An empty file.
    public init() {}

    /// Parses `bytes`; never fails. Lines that are not entries are kept and reported by ``malformedLines``.
    public init(bytes: [UInt8]) {
        storage = bytes
        lines.reserveCapacity(bytes.count / 48 + 1)
        storage.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                var end = start
                while end < buffer.count && buffer[end] != 0x0A { end += 1 }
                var terminator = Terminator.none
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
        _ buffer: UnsafeBufferPointer<UInt8>, start: Int, end: Int, _ terminator: Terminator
    ) -> Line {
        var colon: Int32 = -1
        if start < end && buffer[start] != UInt8(ascii: "#") && buffer[start] != UInt8(ascii: ":") {
            var index = start + 1
            while index < end && buffer[index] != UInt8(ascii: ":") { index += 1 }
            if index < end { colon = Int32(truncatingIfNeeded: index - start) }
        }
        return Line(start: start, end: end, colon: colon, terminator: terminator)
    }

    /// Keeps `content` in the buffer of written lines and returns it as a line.
    private mutating func writtenLine(_ content: [UInt8], _ terminator: Terminator) -> Line {
        unchanged = false
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

    /// The file as bytes: identical to the parsed bytes if nothing was changed.
    public var bytes: [UInt8] {
        if unchanged { return storage }
        var result: [UInt8] = []
        result.reserveCapacity(lines.reduce(0) { $0 + $1.end - $1.start + 2 })
        storage.withUnsafeBufferPointer { buffer in
            for line in lines {
                if line.isWritten {
                    result.append(contentsOf: written[line.start..<line.end])
                } else {
                    result.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[line.start..<line.end]))
                }
                switch line.terminator {
                case .lf: result.append(0x0A)
                case .crlf: result.append(contentsOf: [0x0D, 0x0A])
                case .none: break
                }
            }
        }
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
    public func entry(for user: some Collection<UInt8>) -> Entry? {
        guard let index = indices(of: Array(user)).first else { return nil }
        return entry(at: index)
    }

    /// Lines that are not entries, comments or blank lines.
    public var malformedLines: [MalformedLine] {
        lines.indices.compactMap { index in
            let line = lines[index]
            let content = content(line)
            guard line.colon < 0, let first = content.first, first != UInt8(ascii: "#") else { return nil }
            if content.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
            let reason: MalformedLine.Reason = first == UInt8(ascii: ":") ? .emptyUser : .noColon
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
        storage.withUnsafeBufferPointer { buffer in
            user.withUnsafeBufferPointer { user in
                lines.indices.filter { index in
                    let line = lines[index]
                    guard Int(line.colon) == user.count, let name = user.baseAddress else { return false }
                    if line.isWritten { return written[line.start..<(line.start + user.count)].elementsEqual(user) }
                    return memcmp(buffer.baseAddress! + line.start, name, user.count) == 0
                }
            }
        }
    }

    // MARK: Editing

    /// The longest record, `user:hash` and any extra field, that Apache's htpasswd can still edit.
    public static let apacheRecordLimit = 255

    /// What ``setHash(_:for:)`` did.
    public struct SetOutcome: Equatable, Sendable {
        /// Whether the user was new to the file.
        public var added: Bool
        /// The line numbers (before the edit) of later lines of the same user that were removed.
        public var removedDuplicateLines: [Int]
        /// The length of the record written, `user:hash` and any extra field; Apache's htpasswd cannot
        /// edit a file with a record over ``HtpasswdFile/apacheRecordLimit`` bytes.
        public var recordLength: Int
    }

    /// Adds `user` with `hash`, or replaces the hash of its first line and removes its later lines.
    ///
    /// A replaced line keeps its extra fields and its line ending; a new line goes at the end, with the
    /// file's line ending. A file that did not end with a newline still does not.
    ///
    /// - Precondition: `hash` holds no `:`, CR or LF, which would change how the line is read; a hash from
    ///   ``PasswordHasher`` never does.
    @discardableResult
    public mutating func setHash(_ hash: some Collection<UInt8>, for user: UserName) -> SetOutcome {
        precondition(
            !hash.contains { $0 == UInt8(ascii: ":") || $0 == 0x0A || $0 == 0x0D },
            "a hash must not contain ':', CR or LF")
        let matching = indices(of: user.bytes)
        if let first = matching.first {
            let old = lines[first]
            let rest = content(old)[(old.start + Int(old.colon) + 1)...]
            let extra = rest[(rest.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex)...]
            let content = user.bytes + [UInt8(ascii: ":")] + hash + extra
            lines[first] = writtenLine(content, old.terminator)
            let duplicates = Array(matching.dropFirst())
            removeLines(at: duplicates)
            return SetOutcome(
                added: false, removedDuplicateLines: duplicates.map { $0 + 1 }, recordLength: content.count)
        }
        let content = user.bytes + [UInt8(ascii: ":")] + hash
        let ending = lines.last(where: { $0.terminator != .none })?.terminator ?? .lf
        if let last = lines.indices.last, lines[last].terminator == .none {
            // Keep "no newline at the end": the old last line gets one, the new one does not.
            lines[last].terminator = ending
            lines.append(writtenLine(content, .none))
        } else {
            lines.append(writtenLine(content, ending))
        }
        return SetOutcome(added: true, removedDuplicateLines: [], recordLength: content.count)
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

    /// Removes the lines at `indices` (ascending) in one pass. If the last line had no newline, the
    /// new last line loses its newline too, so that an add then a delete gives back the same bytes.
    private mutating func removeLines(at indices: [Int]) {
        guard !indices.isEmpty else { return }
        unchanged = false
        let endedWithoutNewline = lines.last?.terminator == Terminator.none
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
        if endedWithoutNewline, let last = lines.indices.last { lines[last].terminator = .none }
    }
}

/// An htpasswd file as a list of lines, edited without changing any line the edit does not concern.
///
/// Comments, blank lines, CRLF endings, `user:hash:extra` fields, malformed lines and a missing final
/// newline all survive a round trip: `HtpasswdFile(bytes: b).bytes == b` for any `b`. The lines share
/// the storage of the bytes they were parsed from, so parsing a large file copies nothing.
///
/// Reading follows nginx: `#` starts a comment only in column 0, the user name ends at the first `:`
/// and is not trimmed, the hash ends at the next `:`, and when a user has several lines the first wins.
public struct HtpasswdFile: Sendable {
    /// How a line ends.
    public enum Terminator: Sendable {
        case lf, crlf, none

        var bytes: [UInt8] {
            switch self {
            case .lf: [0x0A]
            case .crlf: [0x0D, 0x0A]
            case .none: []
            }
        }
    }

    struct Line: Sendable {
        /// The line without its terminator.
        var content: ArraySlice<UInt8>
        var terminator: Terminator
        /// The offset of the first `:` in `content` for an entry line; nil for anything else.
        var colon: Int?
    }

    private(set) var lines: [Line] = []

    /// An empty file.
    public init() {}

    /// Parses `bytes`; never fails. Lines that are not entries are kept and reported by ``malformedLines``.
    public init(bytes: [UInt8]) {
        let all = bytes[...]
        var start = all.startIndex
        lines.reserveCapacity(bytes.count / 48 + 1)
        while start < all.endIndex {
            let newline = all[start...].firstIndex(of: 0x0A)
            var end = newline ?? all.endIndex
            var terminator = Terminator.none
            if newline != nil {
                terminator = .lf
                if end > start && all[end - 1] == 0x0D {
                    end -= 1
                    terminator = .crlf
                }
            }
            lines.append(Self.makeLine(all[start..<end], terminator))
            start = (newline ?? all.endIndex) + (newline == nil ? 0 : 1)
        }
    }

    private static func makeLine(_ content: ArraySlice<UInt8>, _ terminator: Terminator) -> Line {
        var colon: Int? = nil
        if content.first != UInt8(ascii: "#"), let index = content.firstIndex(of: UInt8(ascii: ":")),
            index > content.startIndex
        {
            colon = index
        }
        return Line(content: content, terminator: terminator, colon: colon)
    }

    /// The file as bytes: identical to the parsed bytes if nothing was changed.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(lines.reduce(0) { $0 + $1.content.count + 2 })
        for line in lines {
            result.append(contentsOf: line.content)
            switch line.terminator {
            case .lf: result.append(0x0A)
            case .crlf: result.append(contentsOf: [0x0D, 0x0A])
            case .none: break
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

    /// The entry consumers use for `user`: its first line, or nil.
    public func entry(for user: some Collection<UInt8>) -> Entry? {
        let user = Array(user)
        guard let index = lines.firstIndex(where: { Self.line($0, isFor: user) }) else { return nil }
        return entry(at: index)
    }

    /// Lines that are not entries, comments or blank lines.
    public var malformedLines: [MalformedLine] {
        lines.indices.compactMap { index in
            let line = lines[index]
            guard line.colon == nil, let first = line.content.first, first != UInt8(ascii: "#") else {
                return nil
            }
            if line.content.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
            let reason: MalformedLine.Reason = first == UInt8(ascii: ":") ? .emptyUser : .noColon
            return MalformedLine(lineNumber: index + 1, reason: reason)
        }
    }

    private func entry(at index: Int) -> Entry? {
        let line = lines[index]
        guard let colon = line.colon else { return nil }
        let rest = line.content[(colon + 1)...]
        let hashEnd = rest.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex
        return Entry(
            lineNumber: index + 1, user: line.content[..<colon], hash: rest[..<hashEnd], extra: rest[hashEnd...])
    }

    private static func line(_ line: Line, isFor user: [UInt8]) -> Bool {
        guard let colon = line.colon else { return false }
        return line.content[..<colon].elementsEqual(user)
    }

    // MARK: Editing

    /// What ``setHash(_:for:)`` did.
    public struct SetOutcome: Equatable, Sendable {
        /// Whether the user was new to the file.
        public var added: Bool
        /// The line numbers (before the edit) of later lines of the same user that were removed.
        public var removedDuplicateLines: [Int]
        /// The length of the record written, `user:hash` and any extra field; Apache's htpasswd cannot
        /// edit a file with a record over 255 bytes.
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
        let matching = lines.indices.filter { Self.line(lines[$0], isFor: user.bytes) }
        if let first = matching.first {
            let old = lines[first]
            let colon = old.colon!
            let rest = old.content[(colon + 1)...]
            let extra = rest[(rest.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex)...]
            let content = ArraySlice(user.bytes + [UInt8(ascii: ":")] + hash + extra)
            lines[first] = Self.makeLine(content, old.terminator)
            let duplicates = Array(matching.dropFirst())
            removeLines(at: duplicates)
            return SetOutcome(
                added: false, removedDuplicateLines: duplicates.map { $0 + 1 }, recordLength: content.count)
        }
        let content = ArraySlice(user.bytes + [UInt8(ascii: ":")] + hash)
        let ending = lines.last(where: { $0.terminator != .none })?.terminator ?? .lf
        if let last = lines.indices.last, lines[last].terminator == .none {
            // Keep "no newline at the end": the old last line gets one, the new one does not.
            lines[last].terminator = ending
            lines.append(Self.makeLine(content, .none))
        } else {
            lines.append(Self.makeLine(content, ending))
        }
        return SetOutcome(added: true, removedDuplicateLines: [], recordLength: content.count)
    }

    /// Removes every line of `user`.
    ///
    /// - Returns: The number of lines removed; 0 if the user was not in the file.
    @discardableResult
    public mutating func removeEntries(for user: some Collection<UInt8>) -> Int {
        let user = Array(user)
        let matching = lines.indices.filter { Self.line(lines[$0], isFor: user) }
        removeLines(at: matching)
        return matching.count
    }

    /// Removes the lines at `indices` (ascending) in one pass. If the last line had no newline, the
    /// new last line loses its newline too, so that an add then a delete gives back the same bytes.
    private mutating func removeLines(at indices: [Int]) {
        guard !indices.isEmpty else { return }
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

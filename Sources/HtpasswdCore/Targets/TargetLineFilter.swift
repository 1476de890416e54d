import Glibc

/// Which lines of a file can matter to the lookup of one user, as a target reads the file: a cheap look at
/// each line instead of the whole of ``TargetReading/read(_:terminator:)``, for the lines of the other users.
///
/// A line is kept when it may be the user's entry — after the spaces the target trims (if it trims), it
/// starts with the user's name and `:` — or when it is long enough to make the target stop reading or refuse
/// the file. It exists only for targets whose reading of any other line cannot refuse the file
/// (``TargetReading/lineFilter(for:)``), and it never skips a line that the target would read as the user's:
/// the name the target reads starts where the trimmed line starts and ends at the first `:`.
package struct TargetLineFilter: Sendable {
    /// The user's name followed by `:`.
    private let prefix: [UInt8]
    /// The first 8 bytes of `prefix` as one word (when it has 8), compared with one load of the line's.
    private let prefixWord: UInt64
    /// Whether the target trims spaces (``TargetReading/isSpace(_:)``) at the start of a line.
    private let skipsLeadingSpace: Bool
    /// The length from which a line is kept whatever it holds; `Int.max` when no length matters.
    private let keptLength: Int

    init(user: [UInt8], skipsLeadingSpace: Bool, keptLength: Int) {
        prefix = user + [UInt8(ascii: ":")]
        prefixWord = prefix.count >= 8 ? prefix.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } : 0
        self.skipsLeadingSpace = skipsLeadingSpace
        self.keptLength = keptLength
    }

    /// Whether the target's reading of the line `content` (without its terminator) may matter to the user.
    package func keeps(_ content: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = content.baseAddress else { return false }
        return keeps(base, count: content.count)
    }

    /// Whether the target's reading of the `count` bytes at `line` may matter to the user. A line with its
    /// terminator's carriage return is kept whenever it is kept without it (a superset is safe: the reader
    /// reads every line kept).
    @inline(__always)
    func keeps(_ line: UnsafePointer<UInt8>, count: Int) -> Bool {
        if count >= keptLength { return true }
        var start = 0
        if skipsLeadingSpace {
            while start < count && TargetReading.isSpace(line[start]) { start += 1 }
        }
        return prefix.withUnsafeBufferPointer { prefix in
            let length = prefix.count
            guard count - start >= length else { return false }
            let name = line + start
            if length >= 8 {
                return UnsafeRawPointer(name).loadUnaligned(as: UInt64.self) == prefixWord
                    && (length == 8 || memcmp(name + 8, prefix.baseAddress! + 8, length - 8) == 0)
            }
            for index in 0..<length where name[index] != prefix[index] { return false }
            return true
        }
    }
}

extension TargetReading {
    /// The filter of the lines that may matter to `user`'s lookup, for a reader that already has what it needs
    /// from the other entries; nil when this target may refuse the whole file over any line (a line without
    /// `:`, a second `:`, an empty name or hash, a hash of another shape, a user listed twice), so that every
    /// line must be read.
    package func lineFilter(for user: [UInt8]) -> TargetLineFilter? {
        guard !lineWithoutColonRefusesFile, extraField != .refusesFile, emptyUserRefusesFile != true,
            !emptyHashRefusesFile, requiredHash == nil, duplicates != .refusesFile
        else { return nil }
        let keptLength: Int
        switch longLines {
        case .unlimited, .skipsOver: keptLength = .max
        case .stopsAt(let limit), .refusesFileAt(let limit): keptLength = limit
        }
        return TargetLineFilter(user: user, skipsLeadingSpace: trimsLines, keptLength: keptLength)
    }
}

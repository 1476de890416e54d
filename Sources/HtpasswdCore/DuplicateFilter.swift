/// Tells, in a second pass over a file, which lines are later lines of a user already listed, in memory
/// that does not grow with the file: servers use one line per user (nginx and Apache the first), so a
/// listing or a linter must know the others.
///
/// The first pass feeds every user name to ``noteInFirstPass(_:)``: a Bloom filter of fixed size
/// remembers them, and the names it has probably seen before — the users really listed twice, plus a few
/// false positives — are kept exactly. In the second pass ``isLaterLine(_:)`` needs to track only those.
///
/// ```swift
/// var filter = DuplicateFilter(fileSize: size)
/// try store.scan { line in if line.kind == .entry { filter.noteInFirstPass(line.user) } }
/// try store.scan { line in if line.kind == .entry, !filter.isLaterLine(line.user) { print(...) } }
/// ```
///
/// With the largest filter (1 MiB), a million distinct users give about 25,000 false positives (half a
/// megabyte of names); memory stays small up to a few million users, and grows beyond.
public struct DuplicateFilter: Sendable {
    private var bits: [UInt64]
    private let mask: UInt64
    /// Names seen twice or more by the filter, with 1 once the second pass has met them.
    private var candidates = ByteTable()
    /// A small filter of the candidates (64 Kibit, cache-resident), so that the second pass looks up the
    /// table only for names that may be in it.
    private var candidateBits = [UInt64](repeating: 0, count: 1024)

    /// A filter sized for a file of `fileSize` bytes: a bit per byte of the file, from 64 Kibit to 8 Mibit
    /// (1 MiB, which stays in a processor's level-2 cache: the filter is probed at random).
    public init(fileSize: Int) {
        var count: UInt64 = 1 << 16
        while count < UInt64(max(fileSize, 0)) && count < 1 << 23 { count <<= 1 }
        bits = [UInt64](repeating: 0, count: Int(count / 64))
        mask = count - 1
    }

    /// The first pass: remembers `name`.
    public mutating func noteInFirstPass(_ name: UnsafeBufferPointer<UInt8>) {
        // A blocked filter: four bits in one 64-bit word, so one cache miss per name.
        let hash = ByteTable.hash(name)
        let word = Int((hash & mask) >> 6)
        var flags: UInt64 = 0
        for round in 0..<4 as Range<UInt64> { flags |= 1 << ((hash >> (40 + 6 * round)) & 63) }
        let present = bits[word] & flags == flags
        bits[word] |= flags
        if present && candidates.value(for: name) == nil {
            candidates.set(0, for: name)
            let bit = Int(hash >> 48) & 0xFFFF
            candidateBits[bit >> 6] |= 1 << UInt64(bit & 63)
        }
    }

    /// Whether `name`, of hash `hash`, may be a candidate (no false negatives).
    @inline(__always)
    private func mayBeCandidate(_ hash: UInt64) -> Bool {
        let bit = Int(hash >> 48) & 0xFFFF
        return candidateBits[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    /// The second pass, in the same order: whether `name` was already met earlier in this pass.
    public mutating func isLaterLine(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard mayBeCandidate(ByteTable.hash(name)), let state = candidates.value(for: name) else { return false }
        if state == 1 { return true }
        candidates.set(1, for: name)
        return false
    }

    /// How many names are tracked exactly (users listed twice, and false positives).
    public var trackedNames: Int { candidates.count }

    /// Lines left of each tracked name, for ``isLastLine(_:)``.
    private var remaining = ByteTable()

    /// An optional second pass, before the one that asks ``isLastLine(_:)``: counts the lines of `name`.
    public mutating func countInSecondPass(_ name: UnsafeBufferPointer<UInt8>) {
        guard mayBeCandidate(ByteTable.hash(name)), candidates.value(for: name) != nil else { return }
        remaining.set((remaining.value(for: name) ?? 0) + 1, for: name)
    }

    /// After a counting pass, in the next pass and in the same order: whether this line is the last line
    /// of `name` (for servers that use a user's last line).
    public mutating func isLastLine(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard mayBeCandidate(ByteTable.hash(name)), let count = remaining.value(for: name) else { return true }
        remaining.set(count - 1, for: name)
        return count <= 1
    }
}

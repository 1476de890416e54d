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
/// With the largest filter (4 MiB), a million distinct users give about 200 false positives, and ten
/// million about 2.5 million, so memory stays small up to a few million users.
public struct DuplicateFilter: Sendable {
    private var bits: [UInt64]
    private let mask: UInt64
    /// Names seen twice or more by the filter, with 1 once the second pass has met them.
    private var candidates = ByteTable()

    /// A filter sized for a file of `fileSize` bytes: 2 bits per byte of the file, from 64 Kibit to 32 Mibit.
    public init(fileSize: Int) {
        var count: UInt64 = 1 << 16
        while count < UInt64(max(fileSize, 0)) * 2 && count < 1 << 25 { count <<= 1 }
        bits = [UInt64](repeating: 0, count: Int(count / 64))
        mask = count - 1
    }

    /// The first pass: remembers `name`.
    public mutating func noteInFirstPass(_ name: UnsafeBufferPointer<UInt8>) {
        let hash = ByteTable.hash(name)
        let first = hash & 0xFFFF_FFFF
        let step = (hash >> 32) | 1
        var present = true
        for round in 0..<4 as Range<UInt64> {
            let bit = (first &+ round &* step) & mask
            let word = Int(bit >> 6)
            let flag: UInt64 = 1 << (bit & 63)
            if bits[word] & flag == 0 {
                present = false
                bits[word] |= flag
            }
        }
        if present && candidates.value(for: name) == nil { candidates.set(0, for: name) }
    }

    /// The second pass, in the same order: whether `name` was already met earlier in this pass.
    public mutating func isLaterLine(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let state = candidates.value(for: name) else { return false }
        if state == 1 { return true }
        candidates.set(1, for: name)
        return false
    }

    /// How many names are tracked exactly (users listed twice, and false positives).
    public var trackedNames: Int { candidates.count }
}

import Glibc

/// A hash table from byte strings to small integers that looks keys up without allocating: the keys live
/// in one flat buffer, and a lookup hashes the bytes in place. Streaming passes look up every line's user
/// name in one, so a million lookups cost a million hashes, not a million arrays.
struct ByteTable: Sendable {
    /// All keys, one after another.
    private var keys: [UInt8] = []
    /// For each key: its start in `keys`, its length, its value.
    private var records: [(start: Int, count: Int, value: Int)] = []
    /// Open addressing: an index into `records` plus one, 0 for an empty slot. A power of two long.
    private var slots: [Int32] = [0, 0, 0, 0, 0, 0, 0, 0]

    var count: Int { records.count }

    /// The value stored for `key`, or nil.
    func value(for key: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !records.isEmpty else { return nil }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: Self.hash(key)) & mask
        return keys.withUnsafeBufferPointer { stored in
            while true {
                let entry = Int(slots[slot])
                if entry == 0 { return nil }
                let record = records[entry - 1]
                if record.count == key.count,
                    record.count == 0
                        || memcmp(stored.baseAddress! + record.start, key.baseAddress!, record.count) == 0
                {
                    return record.value
                }
                slot = (slot + 1) & mask
            }
        }
    }

    func value(for key: [UInt8]) -> Int? {
        key.withUnsafeBufferPointer { value(for: $0) }
    }

    /// Stores `value` for `key`, replacing an earlier value.
    mutating func set(_ value: Int, for key: [UInt8]) {
        key.withUnsafeBufferPointer { set(value, for: $0) }
    }

    /// Stores `value` for `key`, replacing an earlier value.
    mutating func set(_ value: Int, for key: UnsafeBufferPointer<UInt8>) {
        if (records.count + 1) * 4 > slots.count * 3 { grow() }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: Self.hash(key)) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { break }
            let record = records[entry - 1]
            let same = keys.withUnsafeBufferPointer { stored in
                record.count == key.count
                    && (record.count == 0
                        || memcmp(stored.baseAddress! + record.start, key.baseAddress!, record.count) == 0)
            }
            if same {
                records[entry - 1].value = value
                return
            }
            slot = (slot + 1) & mask
        }
        records.append((keys.count, key.count, value))
        keys.append(contentsOf: key)
        slots[slot] = Int32(records.count)
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        keys.withUnsafeBufferPointer { stored in
            for (index, record) in records.enumerated() {
                let key = UnsafeBufferPointer(rebasing: stored[record.start..<(record.start + record.count)])
                var slot = Int(truncatingIfNeeded: Self.hash(key)) & mask
                while slots[slot] != 0 { slot = (slot + 1) & mask }
                slots[slot] = Int32(index + 1)
            }
        }
    }

    /// A 64-bit hash of `bytes`, eight bytes at a time, with a final mix so that every bit of the result
    /// depends on every byte (the table uses the low bits, the duplicate filter the high ones).
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress else { return hash }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(base[offset]) << shift
            shift += 8
            offset += 1
        }
        hash = (hash ^ tail) &* 0x94D0_49BB_1331_11EB
        hash ^= hash >> 29
        hash &*= 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 32
        return hash
    }
}

/// The length of the longest common prefix of `a` and `b`, compared a block at a time with `memcmp`.
func commonPrefixLength(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            let count = min(a.count, b.count)
            guard count > 0 else { return 0 }
            var offset = 0
            let block = 4096
            while offset + block <= count && memcmp(a.baseAddress! + offset, b.baseAddress! + offset, block) == 0 {
                offset += block
            }
            while offset < count && a[offset] == b[offset] { offset += 1 }
            return offset
        }
    }
}

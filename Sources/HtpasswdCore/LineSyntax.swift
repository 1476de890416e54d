import Glibc

/// The one definition of how a line of an htpasswd file reads, shared by ``HtpasswdFile`` and the
/// streaming reader so that both always agree.
///
/// It follows nginx: `#` starts a comment only in column 0, the user name ends at the first `:` and is
/// not trimmed, and the hash ends at the next `:`.
enum LineSyntax {
    /// The kind of `line` (without its terminator) and, for an entry, the offset of its first `:`.
    @inline(__always)
    static func classify(_ line: UnsafeBufferPointer<UInt8>) -> (kind: LineKind, colon: Int) {
        guard let first = line.first else { return (.blank, -1) }
        if first == UInt8(ascii: "#") { return (.comment, -1) }
        if first == UInt8(ascii: ":") { return (.malformed(.emptyUser), -1) }
        if let colon = firstIndex(of: UInt8(ascii: ":"), in: line, from: 1) { return (.entry, colon) }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return (.blank, -1) }
        return (.malformed(.noColon), -1)
    }

    /// The index of the first `byte` in `buffer` at or after `start`, found with `memchr`.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < buffer.count, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, CInt(byte), buffer.count - start) else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }
}

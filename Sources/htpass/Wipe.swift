import Glibc
import SystemPackage

/// Overwrites `bytes` with zeros and empties it: for a password (or a SPEC of passwords) that htpass owns,
/// once it is no longer needed, so that it does not stay in freed memory for the rest of the run.
///
/// It clears the storage `bytes` has, through `explicit_bzero(3)`, which the optimiser may not drop as a
/// store nobody reads. Call it on the last copy: an array shares its storage with its copies, and writing
/// to a shared one makes Swift copy it first, so the wipe would clear a new copy and leave the old storage
/// as it was. What Swift copies on its own (a `String` made of the password, an array's old storage when
/// it grows) cannot be reached from here: the callers avoid both where they can.
func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { buffer in
        if let start = buffer.baseAddress { explicit_bzero(start, buffer.count) }
    }
    bytes.removeAll()
}

/// All of `fd`, for input that may hold secrets (a password, a SPEC of passwords): read in one chunk of
/// `chunkSize` bytes that is wiped afterwards, into a result reserved up front for `expected` bytes (the
/// size of a regular file; 0 when unknown) or one chunk, so that it does not grow, leaving its shorter
/// storage behind unwiped, unless the input is longer than announced. On a failure the part read is wiped
/// and the reason thrown.
func readAllWiping(_ fd: CInt, expected: Int = 0, chunkSize: Int) throws(Errno) -> [UInt8] {
    var chunk = [UInt8](repeating: 0, count: chunkSize)
    defer { wipe(&chunk) }
    var result: [UInt8] = []
    result.reserveCapacity(max(expected + 1, chunkSize))
    while true {
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            let code = Errno(rawValue: errno)
            wipe(&result)
            throw code
        }
        if n == 0 { return result }
        result.append(contentsOf: chunk[..<n])
    }
}

import Glibc

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

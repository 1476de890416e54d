import Glibc
import HtpasswdCore

/// One reading of a file as a target reads it (``/HtpasswdCore/TargetReading``), the loop that ``Authenticator``
/// (one user) and ``AuthenticatorIndex`` (every user) share: the entries the target sees, in order, until it
/// stops reading; the first line that makes it refuse the whole file; the stand-in hash for unknown users.
struct TargetScan {
    let reading: TargetReading
    /// The stand-in hash's choice, from the first entries.
    private(set) var sample = TimingSample()
    /// The first line that makes the target refuse the whole file.
    private(set) var refusal: (line: Int, reason: FileRefusal)?

    init(_ reading: TargetReading) {
        self.reading = reading
    }

    /// Reads `store`'s file once, line by line, calling `entry` with the name and the hash of each entry as the
    /// target reads them, and its line; `entry` answers whether the name was listed on an earlier line (a
    /// target that refuses duplicates then refuses the file).
    ///
    /// With `filter`, once the stand-in hash is chosen (from the first ``Verifier/timingSampleSize`` entries),
    /// the lines that the filter does not keep are skipped unread: `entry` then sees only the lines that may
    /// be the user's. The filter exists only for targets whose reading of the other lines can neither refuse
    /// the file nor stop (``/HtpasswdCore/TargetReading/lineFilter(for:)``), so nothing else changes.
    mutating func read(
        _ store: HtpasswdStore, skippingWith filter: TargetLineFilter?,
        entry: (_ name: UnsafeBufferPointer<UInt8>, _ hash: UnsafeBufferPointer<UInt8>, _ line: Int) -> Bool
    ) throws(HtpasswdError) {
        try store.withLines { (lines) throws(HtpasswdError) in
            while let line = try lines.next(keeping: sample.isComplete ? filter : nil) {
                switch reading.read(line.content, terminator: line.terminator) {
                case .ignored:
                    continue
                case .stopsReading:
                    // Nothing after this line exists for the target: the rest of the file is not read.
                    return
                case .refusesFile(let reason):
                    if refusal == nil { refusal = (line.number, reason) }
                case .entry(let nameRange, let hashRange):
                    let name = UnsafeBufferPointer(rebasing: line.content[nameRange])
                    // The hash as the target reads it: in the line's buffer, without a copy, unless it ends with
                    // a carriage return the target keeps (then from the line's bytes as the target sees them).
                    if hashRange.upperBound <= line.content.count {
                        take(name, UnsafeBufferPointer(rebasing: line.content[hashRange]), line.number, entry)
                    } else {
                        let bytes = reading.lineBytes(line.content, terminator: line.terminator)
                        bytes.withUnsafeBufferPointer { all in
                            take(name, UnsafeBufferPointer(rebasing: all[hashRange]), line.number, entry)
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private mutating func take(
        _ name: UnsafeBufferPointer<UInt8>, _ hash: UnsafeBufferPointer<UInt8>, _ line: Int,
        _ entry: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>, Int) -> Bool
    ) {
        sample.consider(hash)
        if entry(name, hash, line), reading.duplicates == .refusesFile, refusal == nil {
            refusal = (line, .duplicateUser)
        }
    }

    /// Whether `name` is `user`, compared with `memcmp`.
    @inline(__always)
    static func isUser(_ name: UnsafeBufferPointer<UInt8>, _ user: [UInt8]) -> Bool {
        guard name.count == user.count else { return false }
        guard let base = name.baseAddress, !user.isEmpty else { return true }
        return user.withUnsafeBufferPointer { memcmp(base, $0.baseAddress!, user.count) == 0 }
    }
}

import HtpasswdCore
import Synchronization

/// Brute-force throttling: failed verifications counted per client address and per user name in a sliding
/// window; a key with ``maximumFailures`` failures in the last ``window`` seconds is blocked, for `window`
/// seconds the first time and twice as long each time again (up to an hour, or one window if that is
/// longer), and a blocked key's requests are answered 429 without a hash.
///
/// Unknown user names are counted like known ones, so that when a name gets 429 does not tell whether it
/// exists. A success of a user clears that user's count (whoever knows the password has no need to guess);
/// a client's count is never cleared by a success, so that one valid account does not buy more guesses at
/// another. Memory is bounded: past ``maximumKeys`` keys, those with nothing left to remember go first,
/// then the least recently touched.
final class Throttle: Sendable {
    enum Key: Hashable, Sendable {
        case client(String)
        case user([UInt8])

        /// The key of a user name: the name itself, or for a name longer than ``maximumNameBytes`` (no
        /// server's user; an attacker's, sent to fill memory) its first bytes and the SHA-1 of the whole,
        /// so that a key never holds more than a few hundred bytes.
        static func user(named name: [UInt8]) -> Key {
            name.count <= maximumNameBytes ? .user(name) : .user(Array(name.prefix(64)) + SHA1.digest(name))
        }

        static let maximumNameBytes = 256
    }

    let maximumFailures: Int
    let window: Double
    let maximumKeys: Int
    private let state = Mutex<[Key: Record]>([:])

    private struct Record {
        /// The times of the failures in the current window, oldest first (at most `maximumFailures`).
        var failures: [Double] = []
        /// How many times the key was blocked since it last stayed quiet for a window.
        var strikes = 0
        var blockedUntil = 0.0
        var touched = 0.0

        func isIdle(at now: Double, window: Double) -> Bool {
            now >= blockedUntil && (failures.last.map { now - $0 >= window } ?? true)
                && now - max(touched, blockedUntil) >= window
        }
    }

    /// Throttling after `maximumFailures` failures (0: never) in `window` seconds.
    init(maximumFailures: Int, window: Double, maximumKeys: Int = 100_000) {
        self.maximumFailures = max(0, maximumFailures)
        self.window = window
        self.maximumKeys = maximumKeys
    }

    /// The seconds until `keys` may try again at `now` (monotonic seconds); nil if none is blocked.
    func retryAfter(_ keys: [Key], now: Double) -> Double? {
        guard maximumFailures > 0 else { return nil }
        return state.withLock { records in
            let waits = keys.compactMap { key -> Double? in
                guard let record = records[key], record.blockedUntil > now else { return nil }
                return record.blockedUntil - now
            }
            return waits.max()
        }
    }

    /// Notes a failed verification for each of `keys` at `now`.
    func recordFailure(_ keys: [Key], now: Double) {
        guard maximumFailures > 0 else { return }
        state.withLock { records in
            for key in keys {
                var record = records[key] ?? Record()
                // Quiet for a whole window since its last block: the backoff starts over.
                if record.strikes > 0, now - max(record.blockedUntil, record.failures.last ?? 0) >= window {
                    record.strikes = 0
                }
                record.failures.removeAll { now - $0 >= window }
                record.failures.append(now)
                record.touched = now
                if record.failures.count >= maximumFailures {
                    record.strikes += 1
                    let backoff = window * Double(1 << min(record.strikes - 1, 20))
                    record.blockedUntil = now + min(backoff, max(3600, window))
                    record.failures.removeAll()
                }
                records[key] = record
            }
            if records.count > maximumKeys { Self.prune(&records, now: now, window: window, keep: maximumKeys) }
        }
    }

    /// Notes a successful verification of `user`: its count starts over.
    func recordSuccess(user: [UInt8]) {
        guard maximumFailures > 0 else { return }
        _ = state.withLock { $0.removeValue(forKey: .user(named: user)) }
    }

    /// The number of keys remembered.
    var count: Int { state.withLock { $0.count } }

    private static func prune(_ records: inout [Key: Record], now: Double, window: Double, keep: Int) {
        records = records.filter { !$0.value.isIdle(at: now, window: window) }
        guard records.count > keep else { return }
        // Still too many: the least recently touched quarter goes, blocked or not.
        let sorted = records.sorted { $0.value.touched < $1.value.touched }
        for (key, _) in sorted.prefix(records.count - keep * 3 / 4) { records[key] = nil }
    }
}

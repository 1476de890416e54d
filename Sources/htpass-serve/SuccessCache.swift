import Glibc
import HtpasswdCore
import Synchronization

/// The successful verifications of the last ``ttl`` seconds, at most ``capacity`` of them, least recently
/// used out first, as Apache's mod_authn_socache keeps them: a credential found here is let in without a
/// hash.
///
/// An entry is the keyed hash (``Key``) of the user, the password and the user's entry in the file as it
/// was verified — never the password. A user whose entry changes (a new password, a new hash of the same
/// password) or disappears is looked up under another key, or not at all, so the cache can never let in
/// what the file no longer does; the caller looks up only users the current file has.
final class SuccessCache: Sendable {
    /// HMAC-SHA1 of a credential under this process's random key: 160 bits, which nobody without the key
    /// can compute or aim a collision at.
    ///
    /// Why HMAC-SHA1: HMAC needs only that the compression function be a pseudo-random function, which
    /// SHA-1's collision attacks do not touch (RFC 6151 makes the same argument for HMAC-MD5; NIST SP
    /// 800-107 keeps HMAC-SHA1); htpass already has a tested SHA-1 (its `{SHA}` format), so no cryptography
    /// library comes in for it. SipHash would also serve as a keyed hash, but its 64 bits leave a 2^-64
    /// chance per lookup that a wrong password shares the key of a cached right one; 160 bits make that
    /// nothing.
    struct Key: Hashable, Sendable {
        var a: UInt64
        var b: UInt64
        var c: UInt32
    }

    let capacity: Int
    let ttl: Double
    private let innerPad: [UInt8]
    private let outerPad: [UInt8]
    private let state: Mutex<State>

    private struct State {
        var slots: [Key: Int] = [:]
        var nodes: [Node] = []
        var free: [Int] = []
        /// Most recently used first.
        var head = -1
        var tail = -1
    }

    private struct Node {
        var key: Key
        var expires: Double
        var previous: Int
        var next: Int
    }

    /// A cache of `capacity` entries (0: nothing is cached) that each live `ttl` seconds, keyed under 64
    /// random bytes from the kernel's CSPRNG.
    init(capacity: Int, ttl: Double) throws(HtpasswdError) {
        self.capacity = max(0, capacity)
        self.ttl = ttl
        var secret = try SecureRandom.bytes(count: 64)
        defer { wipe(&secret) }
        innerPad = secret.map { $0 ^ 0x36 }
        outerPad = secret.map { $0 ^ 0x5C }
        state = Mutex(State())
    }

    /// The key of `user` with `password` against `hash` (the user's entry in the file).
    func key(user: [UInt8], password: [UInt8], hash: [UInt8]) -> Key {
        var message = innerPad
        message.reserveCapacity(innerPad.count + 12 + user.count + password.count + hash.count)
        // Lengths first, so that no two different triples give the same message.
        for part in [user, password, hash] {
            withUnsafeBytes(of: UInt32(part.count).bigEndian) { message.append(contentsOf: $0) }
        }
        message.append(contentsOf: user)
        message.append(contentsOf: password)
        message.append(contentsOf: hash)
        var inner = SHA1.digest(message)
        wipe(&message)
        var outer = outerPad + inner
        let digest = SHA1.digest(outer)
        wipe(&inner)
        wipe(&outer)
        func word(_ range: Range<Int>) -> UInt64 { digest[range].reduce(0) { $0 << 8 | UInt64($1) } }
        return Key(a: word(0..<8), b: word(8..<16), c: UInt32(word(16..<20)))
    }

    /// Whether `key` is cached and not expired at `now` (monotonic seconds); it becomes the most recently
    /// used. An expired entry is removed.
    func contains(_ key: Key, now: Double) -> Bool {
        guard capacity > 0 else { return false }
        return state.withLock { state in
            guard let slot = state.slots[key] else { return false }
            if state.nodes[slot].expires <= now {
                Self.remove(slot, &state)
                return false
            }
            Self.unlink(slot, &state)
            Self.pushFront(slot, &state)
            return true
        }
    }

    /// Caches `key` until `now + ttl`, removing the least recently used entry when full.
    func insert(_ key: Key, now: Double) {
        guard capacity > 0 else { return }
        state.withLock { state in
            if let slot = state.slots[key] {
                state.nodes[slot].expires = now + ttl
                Self.unlink(slot, &state)
                Self.pushFront(slot, &state)
                return
            }
            if state.slots.count >= capacity, state.tail >= 0 { Self.remove(state.tail, &state) }
            let node = Node(key: key, expires: now + ttl, previous: -1, next: -1)
            let slot: Int
            if let reused = state.free.popLast() {
                slot = reused
                state.nodes[slot] = node
            } else {
                slot = state.nodes.count
                state.nodes.append(node)
            }
            state.slots[key] = slot
            Self.pushFront(slot, &state)
        }
    }

    /// The number of entries, expired ones not yet removed included.
    var count: Int { state.withLock { $0.slots.count } }

    private static func remove(_ slot: Int, _ state: inout State) {
        unlink(slot, &state)
        state.slots[state.nodes[slot].key] = nil
        state.free.append(slot)
    }

    private static func unlink(_ slot: Int, _ state: inout State) {
        let node = state.nodes[slot]
        if node.previous >= 0 { state.nodes[node.previous].next = node.next } else { state.head = node.next }
        if node.next >= 0 { state.nodes[node.next].previous = node.previous } else { state.tail = node.previous }
        state.nodes[slot].previous = -1
        state.nodes[slot].next = -1
    }

    private static func pushFront(_ slot: Int, _ state: inout State) {
        state.nodes[slot].previous = -1
        state.nodes[slot].next = state.head
        if state.head >= 0 { state.nodes[state.head].previous = slot }
        state.head = slot
        if state.tail < 0 { state.tail = slot }
    }
}

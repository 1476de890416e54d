import Dispatch
import Glibc
import HtpasswdCore
import HtpasswdVerifier
import Synchronization
import SystemPackage

/// The new hashes, computed on all cores before the file is locked.
extension Reconciler {
    /// The hashes of `users`, computed in parallel: the passwords cut into ``jobs`` contiguous slices, each
    /// hashed on its own thread by `PasswordHasher.hashBatch` (which computes apr1 hashes many at once in
    /// SIMD lanes, and the others one by one). The first error in `users`' order is thrown.
    func newHashes(for users: [DesiredUser]) throws(HtpasswdError) -> [PasswordHash] {
        var hashes = [PasswordHash?](repeating: nil, count: users.count)
        var positions: [Int] = []
        var passwords: [[UInt8]] = []
        for (index, user) in users.enumerated() {
            switch user.credential {
            case .hash(let hash): hashes[index] = hash
            case .password(let password):
                positions.append(index)
                passwords.append(password)
            }
        }
        let slices = Swift.min(jobs, passwords.count)
        if slices > 0 {
            let bounds = (0...slices).map { $0 * passwords.count / slices }
            let passwords = passwords
            let results = parallelMap(Array(0..<slices)) { slice -> Swift.Result<[PasswordHash], HtpasswdError> in
                Swift.Result { () throws(HtpasswdError) -> [PasswordHash] in
                    try hasher.hashBatch(Array(passwords[bounds[slice]..<bounds[slice + 1]]))
                }
            }
            for (slice, result) in results.enumerated() {
                for (offset, hash) in try result.get().enumerated() { hashes[positions[bounds[slice] + offset]] = hash }
            }
        }
        return hashes.map { $0! }
    }

    /// `transform` of every element, on ``jobs`` threads. Each thread keeps its results and hands them over
    /// once, under a lock: only `Sendable` values cross threads.
    func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        let workers = min(jobs, items.count)
        guard workers > 1 else { return items.map(transform) }
        let done = Mutex<[(index: Int, result: R)]>([])
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var mine: [(index: Int, result: R)] = []
            var index = worker
            while index < items.count {
                mine.append((index, transform(items[index])))
                index += workers
            }
            done.withLock { $0.append(contentsOf: mine) }
        }
        var results = [R?](repeating: nil, count: items.count)
        for (index, result) in done.withLock({ $0 }) { results[index] = result }
        return results.map { $0! }
    }
}

import Synchronization

/// Runs password checks on a given executor, at most ``concurrencyLimit`` at a time and at most
/// ``queueLimit`` waiting: a server under a flood of requests then answers "busy" at once instead of
/// holding every request, and its memory, in an unbounded queue.
///
/// ```swift
/// let queue = HashingQueue(executor: HashingThreads(), concurrencyLimit: 2, queueLimit: 256)
/// let decision = try await queue.run { candidate.check(password) }
/// ```
///
/// Waiting checks are admitted in the order they arrived.
public final class HashingQueue: Sendable {
    /// Where the checks run: never an event loop.
    public let executor: any TaskExecutor
    /// How many checks may run at once.
    public let concurrencyLimit: Int
    /// How many checks may wait for a free place; one more is refused with ``Overloaded``.
    public let queueLimit: Int
    private let state = Mutex(State())

    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Admission, Never>] = []
        var head = 0
        var waitingCount: Int { waiting.count - head }
    }

    private enum Admission {
        case admitted
        case refused
    }

    /// The error of ``run(_:)`` when ``queueLimit`` checks are already waiting.
    public struct Overloaded: Error, Equatable, Sendable, CustomStringConvertible {
        /// The limit that was reached.
        public var queueLimit: Int

        /// The error for a queue of `queueLimit` waiting checks.
        public init(queueLimit: Int) {
            self.queueLimit = queueLimit
        }

        /// A one-line description.
        public var description: String { "\(queueLimit) password checks are already waiting" }
    }

    /// A queue that runs checks on `executor`, `concurrencyLimit` at once (at least 1), with at most
    /// `queueLimit` waiting (0: none waits).
    public init(executor: any TaskExecutor, concurrencyLimit: Int, queueLimit: Int) {
        self.executor = executor
        self.concurrencyLimit = max(1, concurrencyLimit)
        self.queueLimit = max(0, queueLimit)
    }

    /// The number of checks waiting for a free place now.
    public var queueLength: Int { state.withLock { $0.waitingCount } }

    /// The number of checks running now.
    public var runningCount: Int { state.withLock { $0.running } }

    /// Runs `work` on ``executor`` once fewer than ``concurrencyLimit`` checks run, and returns its result.
    ///
    /// - Throws: ``Overloaded`` at once, without running `work`, when ``queueLimit`` checks already wait.
    public func run<Result: Sendable>(_ work: @Sendable () -> Result) async throws(Overloaded) -> Result {
        let limit = concurrencyLimit
        let queueLimit = queueLimit
        let admission = await withCheckedContinuation { (continuation: CheckedContinuation<Admission, Never>) in
            let now: Admission? = state.withLock { state in
                if state.running < limit {
                    state.running += 1
                    return .admitted
                }
                if state.waitingCount >= queueLimit { return .refused }
                state.waiting.append(continuation)
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
        guard admission == .admitted else { throw Overloaded(queueLimit: queueLimit) }
        defer { release() }
        return await withTaskExecutorPreference(executor) { work() }
    }

    /// Hands this place to the first waiting check, or frees it.
    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Admission, Never>? in
            guard state.head < state.waiting.count else {
                state.running -= 1
                return nil
            }
            let next = state.waiting[state.head]
            state.head += 1
            if state.head >= 256 && state.head * 2 >= state.waiting.count {
                state.waiting.removeFirst(state.head)
                state.head = 0
            }
            return next
        }
        next?.resume(returning: .admitted)
    }
}

import Glibc

/// A task executor of its own threads, for password hashing: a bcrypt computation holds a thread for tens
/// of milliseconds, which must not be a thread of an event loop or of Swift's shared cooperative pool.
///
/// ```swift
/// let threads = HashingThreads()            // one per processor
/// let queue = HashingQueue(executor: threads, concurrencyLimit: threads.count, queueLimit: 256)
/// ```
///
/// Jobs run in the order they were enqueued, each to completion on one of the threads. Call
/// ``shutdown()`` when done: the threads finish the jobs already enqueued and end.
public final class HashingThreads: TaskExecutor, @unchecked Sendable {
    /// The number of threads.
    public let count: Int
    // Guarded by `mutex`; `available` is signalled when a job is added or the threads must end.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let available: UnsafeMutablePointer<pthread_cond_t>
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var stopping = false
    private var threads: [pthread_t] = []

    /// The number of processors online (`sysconf(_SC_NPROCESSORS_ONLN)`), at least 1. A container limited
    /// by a CPU quota may use fewer: pass the count it has.
    public static var processorCount: Int {
        max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    /// Starts `count` threads (at least one; one per processor by default).
    public init(count: Int = HashingThreads.processorCount) {
        self.count = max(1, count)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        available = .allocate(capacity: 1)
        available.initialize(to: pthread_cond_t())
        pthread_cond_init(available, nil)
        for _ in 0..<self.count {
            let context = Unmanaged.passRetained(ThreadContext(executor: self))
            var thread = pthread_t()
            let result = pthread_create(
                &thread, nil,
                { raw in
                    let context = Unmanaged<ThreadContext>.fromOpaque(raw!).takeRetainedValue()
                    context.executor.work()
                    return nil
                }, context.toOpaque())
            if result == 0 {
                threads.append(thread)
            } else {
                context.release()
            }
        }
        precondition(!threads.isEmpty, "cannot start a hashing thread")
    }

    private final class ThreadContext {
        let executor: HashingThreads
        init(executor: HashingThreads) { self.executor = executor }
    }

    /// Whether the calling thread is one of these threads: for a check that work is not done elsewhere.
    public var isCurrentThread: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return threads.contains { pthread_equal($0, pthread_self()) != 0 }
    }

    /// Adds `job` to the queue: the next free thread runs it.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pthread_mutex_lock(mutex)
        jobs.append(job)
        pthread_cond_signal(available)
        pthread_mutex_unlock(mutex)
    }

    /// One thread's loop: runs jobs until ``shutdown()`` and an empty queue.
    private func work() {
        while true {
            pthread_mutex_lock(mutex)
            while head == jobs.count && !stopping { pthread_cond_wait(available, mutex) }
            if head == jobs.count {
                pthread_mutex_unlock(mutex)
                return
            }
            let job = jobs[head]
            head += 1
            // Reclaims the consumed front now and then, so that the array does not grow without end.
            if head >= 1024 && head * 2 >= jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            pthread_mutex_unlock(mutex)
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    /// Lets the threads finish the jobs already enqueued, then ends them and waits for them. Jobs enqueued
    /// afterwards never run: shut down only once nothing uses the executor.
    public func shutdown() {
        pthread_mutex_lock(mutex)
        stopping = true
        let running = threads
        threads = []
        pthread_cond_broadcast(available)
        pthread_mutex_unlock(mutex)
        for thread in running { pthread_join(thread, nil) }
    }

    deinit {
        pthread_cond_destroy(available)
        available.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
}

import NIOCore
import NIOPosix
@_spi(ExperimentalCustomExecutors) @_spi(ExperimentalScheduling) import _Concurrency

/// Swift concurrency's executors for htpass-serve: tasks run on SwiftNIO's event loops
/// (`MultiThreadedEventLoopGroup.singleton`, one per processor) instead of libdispatch's global queues.
///
/// Why: libdispatch watches the threads of its global queues once a second by reading `/proc/TID/stat`, and
/// stops the process with a trap (SIGILL, "workq: registered worker exited prematurely") when it cannot: in a
/// chroot or a container without /proc, htpass-serve died within seconds of starting, or later, whenever a
/// job (a task, a `Task.sleep` of Hummingbird's date cache) waited on a global queue at the moment of the
/// check. Jobs on the event loops never start such a thread. It also spares a request that reaches a task
/// the hop from the event loop to a dispatch thread and back.
///
/// The main executor stays the platform's (the main thread).
struct ServeExecutorFactory: ExecutorFactory {
    static var mainExecutor: any MainExecutor { PlatformExecutorFactory.mainExecutor }
    static var defaultExecutor: any TaskExecutor { EventLoopTaskExecutor.shared }
}

/// Runs jobs on the event loops: now on the current one (or any, off a loop), later through its timer.
final class EventLoopTaskExecutor: TaskExecutor, SchedulingExecutor {
    static let shared = EventLoopTaskExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        // any() is the current event loop when called on one: no thread switch.
        MultiThreadedEventLoopGroup.singleton.any().executor.enqueue(job)
    }

    func enqueue<C: Clock>(_ job: consuming ExecutorJob, after delay: C.Duration, tolerance: C.Duration?, clock: C) {
        let unowned = UnownedJob(job)
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let wait: TimeAmount
        if let delay = delay as? Duration {
            let (seconds, attoseconds) = delay.components
            // Saturated: a delay past Int64's nanoseconds (292 years) waits that long, not zero.
            let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
            wait =
                overflow
                ? (seconds < 0 ? .zero : .nanoseconds(.max))
                : .nanoseconds(max(0, nanoseconds.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue))
        } else {
            // A clock of another kind of duration: Swift's own clocks use Duration.
            wait = .zero
        }
        loop.scheduleTask(in: wait) { loop.executor.enqueue(ExecutorJob(unowned)) }
    }

    func enqueue<C: Clock>(_ job: consuming ExecutorJob, at instant: C.Instant, tolerance: C.Duration?, clock: C) {
        enqueue(job, after: clock.now.duration(to: instant), tolerance: tolerance, clock: clock)
    }
}

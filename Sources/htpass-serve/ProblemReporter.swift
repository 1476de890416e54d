import Logging
import Synchronization

/// Logs a problem of the file once, not once per request, and when it is gone.
final class ProblemReporter: Sendable {
    let logger: Logger
    private let current = Mutex<String?>(nil)

    init(logger: Logger) { self.logger = logger }

    func report(_ problem: String) {
        let isNew = current.withLock { current in
            defer { current = problem }
            return current != problem
        }
        if isNew { logger.error("\(problem)") }
    }

    func clear() {
        let had = current.withLock { current in
            defer { current = nil }
            return current != nil
        }
        if had { logger.info("The htpasswd file is readable again") }
    }
}

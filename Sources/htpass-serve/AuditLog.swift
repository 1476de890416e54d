import Dispatch
import Glibc
import HtpasswdCore
import Synchronization

/// One JSON line per decision of `/auth`, on standard output or appended to a file that is opened again on
/// SIGHUP (after logrotate has moved it). Never a password or a hash.
///
/// `{"time":"2026-12-06T07:15:28.123Z","client":"203.0.113.7","user":"alice","result":"granted","status":200,"cached":true,"latency_ms":0.214}`
///
/// A decision's line is queued in memory and written by a thread of the log's own, so that an event loop
/// never waits for a disk (a `write(2)` to a regular file blocks however the file was opened) or for a
/// reader of standard output; lines queued together go out in one `write(2)`, whole lines only, so that
/// lines never mix. At most ``maximumPending`` bytes wait: past that, while the disk does not keep up, lines
/// are dropped and counted (`htpass_serve_audit_lines_dropped_total`) rather than held without bound, and
/// the next line written says how many were lost (`{"time":…,"dropped":N}`), so that a gap shows in the log
/// itself. An attacker must not be able to push other clients' lines out cheaply: a line names at most
/// ``maximumUserBytes`` of a user name, and the lines that cost no hash (throttled, malformed, cached) may
/// fill only half of the queue, so that denied guesses and fresh grants still find room.
final class AuditLog: Sendable {
    /// The file, or nil for standard output.
    let path: String?
    /// Bytes of lines that may wait for the writer.
    static let maximumPending = 4 << 20
    /// Bytes of a user name written in a line; a longer name is cut there and its length given
    /// (`"user_bytes":N`).
    static let maximumUserBytes = 256
    /// How long the writer lets lines gather after a write.
    static let gatheringMicroseconds: UInt32 = 2_000
    private let descriptor: Mutex<CInt>
    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    private struct State {
        var pending: [UInt8] = []
        var pendingLines = 0
        var writing = 0
        var written = 0
        var dropped = 0
        /// Lines dropped since the last line that said so.
        var unreported = 0
        var stopping = false
        var stopped = false
    }

    /// Opens `path` for appending (created `0640`), or uses standard output, and starts the writer.
    init(path: String?) throws(AuditLogError) {
        self.path = path
        descriptor = Mutex(try path.map { path throws(AuditLogError) in try Self.open(path) } ?? STDOUT_FILENO)
        let context = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { raw in
                let log = Unmanaged<AuditLog>.fromOpaque(raw!).takeRetainedValue()
                log.writeLines()
                return nil
            }, context.toOpaque())
        guard result == 0 else {
            context.release()
            throw AuditLogError(path: path ?? "standard output", errno: result, operation: "start")
        }
        pthread_detach(thread)
    }

    struct AuditLogError: Error, CustomStringConvertible {
        var path: String
        var errno: CInt
        /// What failed: opening the file, or starting the writer's thread.
        var operation = "open"
        var description: String {
            operation == "open"
                ? "Cannot open the audit log '\(path)': \(String(cString: strerror(errno)))"
                : "Cannot start the audit log's writer: \(String(cString: strerror(errno)))"
        }
    }

    /// Opens `path` for appending, never through a symbolic link in its last component (a link planted where
    /// the log goes would otherwise have root append to the file it names) and never blocking on a FIFO.
    private static func open(_ path: String) throws(AuditLogError) -> CInt {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0o640)
        guard fd >= 0 else { throw AuditLogError(path: path, errno: errno) }
        return fd
    }

    /// Opens the file again (SIGHUP); keeps the old one if the new one cannot be opened. Lines queued before
    /// go to whichever file is open when they are written.
    func reopen() throws(AuditLogError) {
        guard let path else { return }
        let fd = try Self.open(path)
        let old = descriptor.withLock { current in
            defer { current = fd }
            return current
        }
        close(old)
    }

    /// Lines written, lines queued or being written, and lines dropped so far.
    var counts: (written: Int, pending: Int, dropped: Int) {
        state.withLock { ($0.written, $0.pendingLines + $0.writing, $0.dropped) }
    }

    /// Queues the line of one decision.
    func record(
        client: String, user: [UInt8]?, outcome: Outcome, status: Int, cached: Bool, latencySeconds: Double
    ) {
        var line = "{\"time\":\"\(Self.timestamp())\",\"client\":\(Self.json(client))"
        if let user {
            line += ",\"user\":" + Self.json(String(displaying: user.prefix(Self.maximumUserBytes)))
            if user.count > Self.maximumUserBytes { line += ",\"user_bytes\":\(user.count)" }
        } else {
            line += ",\"user\":null"
        }
        line += ",\"result\":\"\(outcome.rawValue)\",\"status\":\(status),\"cached\":\(cached)"
        line += ",\"latency_ms\":\(Self.milliseconds(latencySeconds))}\n"
        // What an attacker gets without a hash may fill only half of the queue.
        let cheap = cached || outcome == .throttled || outcome == .badRequest
        let limit = cheap ? Self.maximumPending / 2 : Self.maximumPending
        let wake = line.withUTF8 { bytes in
            state.withLock { state -> Bool in
                guard !state.stopped, state.pending.count + bytes.count <= limit else {
                    state.dropped += 1
                    state.unreported += 1
                    return false
                }
                let wasEmpty = state.pending.isEmpty
                state.pending.append(contentsOf: bytes)
                state.pendingLines += 1
                return wasEmpty
            }
        }
        // The writer sleeps only once it has found nothing queued: one wake-up per batch, not per line.
        if wake { wakeUp.signal() }
    }

    /// The line that says `count` lines were lost before it.
    static func droppedLine(_ count: Int) -> [UInt8] {
        Array("{\"time\":\"\(timestamp())\",\"dropped\":\(count)}\n".utf8)
    }

    /// Writes what is queued, waits for the writer to finish, and stops it; later lines are dropped.
    func finish() {
        let running = state.withLock { state -> Bool in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard running else { return }
        wakeUp.signal()
        finished.wait()
    }

    /// The writer's loop: takes everything queued, writes it, and sleeps when nothing is.
    private func writeLines() {
        var batch: [UInt8] = []
        var startsMidLine = false
        var reportedFailure = false
        while true {
            let (lines, lost, stop) = state.withLock { state -> (Int, Int, Bool) in
                swap(&batch, &state.pending)
                state.pending.removeAll(keepingCapacity: true)
                let lines = state.pendingLines
                state.pendingLines = 0
                state.writing = lines
                // The lines lost so far are named by a line of their own, written before this batch.
                let lost = lines == 0 ? 0 : state.unreported
                state.unreported -= lost
                if lines == 0 && state.stopping { state.stopped = true }
                return (lines, lost, lines == 0 && state.stopping)
            }
            if stop { break }
            if lines == 0 {
                wakeUp.wait()
                continue
            }
            // A line cut by a failed write is ended first, so that lines never mix.
            let prefix = (startsMidLine ? [0x0A] : []) + (lost > 0 ? Self.droppedLine(lost) : [])
            batch.insert(contentsOf: prefix, at: 0)
            let (complete, failure) = descriptor.withLock { fd in Self.write(batch, to: fd) }
            // The decision lines that went out whole (a failed write may have written some).
            let whole =
                failure == nil
                ? lines : batch[min(prefix.count, complete)..<complete].reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
            let lostAgain = complete < prefix.count ? lost : 0
            startsMidLine = complete == 0 ? startsMidLine : complete < batch.count && batch[complete - 1] != 0x0A
            if let failure, !reportedFailure {
                reportedFailure = true
                let message = Array(
                    "htpass-serve: cannot write the audit log: \(String(cString: strerror(failure))); lines are dropped and counted\n"
                        .utf8)
                _ = message.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
            }
            batch.removeAll(keepingCapacity: true)
            state.withLock { state in
                state.written += whole
                state.dropped += lines - whole
                state.unreported += lines - whole + lostAgain
                state.writing = 0
            }
            // Lines gather for a moment before the next write: under load, one write(2) and no wake-up per
            // few hundred requests instead of one each.
            usleep(Self.gatheringMicroseconds)
        }
        finished.signal()
    }

    /// Writes `batch` to `fd`, waiting for room in a pipe; how many bytes went out, and the errno that
    /// stopped it (nil when all went out).
    private static func write(_ batch: [UInt8], to fd: CInt) -> (Int, CInt?) {
        var offset = 0
        while offset < batch.count {
            let written = batch[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                // A pipe whose reader is slow: wait for room rather than lose lines.
                if errno == EAGAIN {
                    var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&poller, 1, 1000)
                    continue
                }
                return (offset, errno)
            }
            offset += written
        }
        return (offset, nil)
    }

    /// `text` as a JSON string: quotes, backslashes and control characters escaped.
    static func json(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _
            where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028
                || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Milliseconds with three decimals.
    static func milliseconds(_ seconds: Double) -> String {
        let micros = Int((seconds * 1_000_000).rounded())
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// The last second formatted, so that each line formats only its milliseconds.
    private static let lastSecond = Mutex<(seconds: Int, text: String)>((-1, ""))

    /// The time now in UTC, RFC 3339 with milliseconds.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let base = lastSecond.withLock { last -> String in
            if last.seconds == now.tv_sec { return last.text }
            var parts = tm()
            var seconds = now.tv_sec
            gmtime_r(&seconds, &parts)
            var buffer = [CChar](repeating: 0, count: 32)
            let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
            last = (now.tv_sec, String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
            return last.text
        }
        let millis = String(now.tv_nsec / 1_000_000)
        return base + "." + String(repeating: "0", count: 3 - millis.count) + millis + "Z"
    }
}

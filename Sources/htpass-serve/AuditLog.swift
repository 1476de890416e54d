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
/// are dropped and counted (`htpass_serve_audit_lines_dropped_total`) rather than held without bound.
final class AuditLog: Sendable {
    /// The file, or nil for standard output.
    let path: String?
    /// Bytes of lines that may wait for the writer.
    static let maximumPending = 4 << 20
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
            throw AuditLogError(path: path ?? "standard output", errno: result)
        }
        pthread_detach(thread)
    }

    struct AuditLogError: Error, CustomStringConvertible {
        var path: String
        var errno: CInt
        var description: String { "Cannot open the audit log '\(path)': \(String(cString: strerror(errno)))" }
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
        line += ",\"user\":" + (user.map { Self.json(displayText($0)) } ?? "null")
        line += ",\"result\":\"\(outcome.rawValue)\",\"status\":\(status),\"cached\":\(cached)"
        line += ",\"latency_ms\":\(Self.milliseconds(latencySeconds))}\n"
        let wake = line.withUTF8 { bytes in
            state.withLock { state -> Bool in
                guard !state.stopped, state.pending.count + bytes.count <= Self.maximumPending else {
                    state.dropped += 1
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
        while true {
            let (lines, stop) = state.withLock { state -> (Int, Bool) in
                swap(&batch, &state.pending)
                state.pending.removeAll(keepingCapacity: true)
                let lines = state.pendingLines
                state.pendingLines = 0
                state.writing = lines
                if lines == 0 && state.stopping { state.stopped = true }
                return (lines, lines == 0 && state.stopping)
            }
            if stop { break }
            if lines == 0 {
                wakeUp.wait()
                continue
            }
            descriptor.withLock { fd in
                var offset = 0
                while offset < batch.count {
                    let written = batch[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                    if written < 0 {
                        if errno == EINTR { continue }
                        // A pipe whose reader is slow: wait for room rather than lose lines.
                        if errno == EAGAIN {
                            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                            _ = poll(&poller, 1, 1000)
                            continue
                        }
                        return
                    }
                    offset += written
                }
            }
            batch.removeAll(keepingCapacity: true)
            state.withLock { state in
                state.written += lines
                state.writing = 0
            }
            // Lines gather for a moment before the next write: under load, one write(2) and no wake-up per
            // few hundred requests instead of one each.
            usleep(Self.gatheringMicroseconds)
        }
        finished.signal()
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

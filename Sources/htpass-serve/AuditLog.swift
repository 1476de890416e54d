import Glibc
import HtpasswdCore
import Synchronization

/// One JSON line per decision of `/auth`, on standard output or appended to a file that is opened again on
/// SIGHUP (after logrotate has moved it). Never a password or a hash.
///
/// `{"time":"2026-12-06T07:15:28.123Z","client":"203.0.113.7","user":"alice","result":"granted","status":200,"cached":true,"latency_ms":0.214}`
final class AuditLog: Sendable {
    /// The file, or nil for standard output.
    let path: String?
    private let descriptor: Mutex<CInt>

    /// Opens `path` for appending (created `0640`), or uses standard output.
    init(path: String?) throws(AuditLogError) {
        self.path = path
        descriptor = Mutex(try path.map { path throws(AuditLogError) in try Self.open(path) } ?? STDOUT_FILENO)
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

    /// Opens the file again (SIGHUP); keeps the old one if the new one cannot be opened.
    func reopen() throws(AuditLogError) {
        guard let path else { return }
        let fd = try Self.open(path)
        let old = descriptor.withLock { current in
            defer { current = fd }
            return current
        }
        close(old)
    }

    /// Writes the line of one decision, in one `write(2)`, so that lines of concurrent requests never mix.
    func record(
        client: String, user: [UInt8]?, outcome: Outcome, status: Int, cached: Bool, latencySeconds: Double
    ) {
        var line = "{\"time\":\"\(Self.timestamp())\",\"client\":\(Self.json(client))"
        line += ",\"user\":" + (user.map { Self.json(displayText($0)) } ?? "null")
        line += ",\"result\":\"\(outcome.rawValue)\",\"status\":\(status),\"cached\":\(cached)"
        line += ",\"latency_ms\":\(Self.milliseconds(latencySeconds))}\n"
        let bytes = Array(line.utf8)
        descriptor.withLock { fd in
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
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

    /// The time now in UTC, RFC 3339 with milliseconds.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
        let base = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let millis = String(now.tv_nsec / 1_000_000)
        return base + "." + String(repeating: "0", count: 3 - millis.count) + millis + "Z"
    }
}

import Glibc
import Synchronization

/// The `Date` header of an answer (RFC 9110 §6.6.1: an origin server with a clock sends one), in IMF-fixdate
/// (`Sun, 06 Dec 2026 13:52:39 GMT`), formatted once a second and shared by every event loop.
enum HTTPDate {
    private struct Cached {
        var second = -1
        var text = ""
    }

    private static let cached = Mutex(Cached())

    /// Now, as the `Date` header says it.
    static var now: String {
        let second = time(nil)
        return cached.withLock { cached in
            if cached.second != second {
                cached = Cached(second: second, text: format(second))
            }
            return cached.text
        }
    }

    /// `seconds` since the epoch in IMF-fixdate: English names, whatever the locale.
    static func format(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}

import CLinux
import Glibc
import SystemPackage

/// The processes and mount namespaces of `/proc`.
enum Namespaces {
    /// The inode of the mount namespace of process `pid` (`self` or a number), from the link
    /// `/proc/PID/ns/mnt` (`mnt:[4026531841]`); nil with `errno` set if it cannot be read.
    static func mountNamespace(of pid: String) -> UInt64? {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = readlink("/proc/\(pid)/ns/mnt", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let text = buffer[..<length].map { UInt8(bitPattern: $0) }
        guard let open = text.firstIndex(of: UInt8(ascii: "[")) else { return nil }
        var value: UInt64 = 0
        for byte in text[(open + 1)...] {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { break }
            value = value &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Calls `body` with every process id in `/proc`.
    ///
    /// - Returns: nil, or why `/proc` could not be listed (whole).
    static func forEachProcess(_ body: (Int32) -> Void) -> Errno? {
        guard let directory = opendir("/proc") else { return Errno(rawValue: errno) }
        defer { closedir(directory) }
        while true {
            // readdir(3) answers NULL at the end and on an error; only an error sets errno.
            errno = 0
            guard let entry = readdir(directory) else { return errno == 0 ? nil : Errno(rawValue: errno) }
            let pid = withUnsafeBytes(of: entry.pointee.d_name) { raw -> Int32? in
                var value: Int32 = 0
                var digits = 0
                for byte in raw {
                    if byte == 0 { break }
                    guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"), digits < 9 else { return nil }
                    value = value * 10 + Int32(byte - UInt8(ascii: "0"))
                    digits += 1
                }
                return digits > 0 ? value : nil
            }
            if let pid { body(pid) }
        }
    }
}

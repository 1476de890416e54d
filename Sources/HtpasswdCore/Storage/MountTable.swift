import CLinux
import Glibc
import SystemPackage

/// `/proc/PID/mountinfo` (proc(5)): one mount a line,
/// `ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTIONS`.
enum MountTable {
    struct Mount {
        var id: UInt64
        var device: (UInt32, UInt32)
        /// The mount's root inside its filesystem; for a file bind-mounted alone, the file's path there.
        var root: FilePath
        var rootBytes: [UInt8]
        var mountPoint: FilePath
        var readOnly: Bool
        /// The filesystem type (`overlay`), and its superblock options as written (still escaped).
        var type: [UInt8]
        var superOptions: [UInt8]

        /// The value of the superblock option `name` (overlayfs's `upperdir`), unescaped; nil without it.
        func superOption(_ name: String) -> [UInt8]? {
            let prefix = Array(name.utf8) + [UInt8(ascii: "=")]
            // The kernel escapes a comma in a value (`\054`), so a comma separates options.
            for option in superOptions.split(separator: UInt8(ascii: ",")) where option.starts(with: prefix) {
                return MountTable.unescape(option.dropFirst(prefix.count))
            }
            return nil
        }
    }

    /// The mounts in the table at `path`.
    static func read(_ path: FilePath) throws(SystemError) -> [Mount] {
        let fd = try Syscall.open(path, O_RDONLY)
        return parse(try Syscall.readAll(fd.raw))
    }

    static func parse(_ bytes: [UInt8]) -> [Mount] {
        bytes.split(separator: 0x0A).compactMap { line in
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
            guard fields.count >= 6, let id = number(fields[0]) else { return nil }
            let device = fields[2].split(separator: UInt8(ascii: ":"))
            guard device.count == 2, let major = number(device[0]), let minor = number(device[1]) else { return nil }
            let root = unescape(fields[3])
            let options = fields[5].split(separator: UInt8(ascii: ","))
            // After the optional fields, "-", then the type, the source and the superblock's options.
            let separator = fields[6...].firstIndex { $0.elementsEqual("-".utf8) }
            let tail = separator.map { Array(fields[($0 + 1)...]) } ?? []
            return Mount(
                id: id, device: (UInt32(truncatingIfNeeded: major), UInt32(truncatingIfNeeded: minor)),
                root: FilePath(bytes: root), rootBytes: root, mountPoint: FilePath(bytes: unescape(fields[4])),
                readOnly: options.contains { $0.elementsEqual("ro".utf8) },
                type: tail.count > 0 ? Array(tail[0]) : [], superOptions: tail.count > 2 ? Array(tail[2]) : [])
        }
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "9") else { return nil }
            value = value &* 10 &+ UInt64(digit - UInt8(ascii: "0"))
        }
        return digits.isEmpty ? nil : value
    }

    /// The kernel writes space, tab, newline and backslash in paths as `\040`, `\011`, `\012`, `\134`.
    static func unescape(_ field: ArraySlice<UInt8>) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(field.count)
        var index = field.startIndex
        while index < field.endIndex {
            let byte = field[index]
            if byte == UInt8(ascii: "\\"), field.endIndex - index >= 4 {
                let digits = field[(index + 1)...(index + 3)]
                if digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
                    result.append(digits.reduce(0) { $0 &* 8 &+ ($1 - UInt8(ascii: "0")) })
                    index += 4
                    continue
                }
            }
            result.append(byte)
            index += 1
        }
        return result
    }
}

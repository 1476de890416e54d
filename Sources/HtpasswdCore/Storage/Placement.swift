import CLinux
import Glibc
import SystemPackage

/// Where an htpasswd file sits, as far as its readers are concerned: the facts that decide whether an
/// edit that renames a new copy over the file reaches every reader, and that a linter reports.
///
/// A rename gives the path a new inode. Readers that reach the file through another name keep the old
/// one: a hard link; a bind mount of the file alone, which pins the inode (Docker Compose's
/// `./htpasswd:/etc/nginx/htpasswd`) — seen from the container, the file is a mount point, and renaming
/// onto it fails with `EBUSY`; seen from the host, the container's mount namespace shows the mount in
/// `/proc/PID/mountinfo`. For those, an edit writes the file in place (see ``HtpasswdStore/WriteMode``).
public struct FilePlacement: Equatable, Sendable {
    /// The file the path names, after following symbolic links.
    public var target: FilePath
    /// Whether anything is at ``target``.
    public var exists = false
    /// A directory where a file should be (Docker creates one when a bind-mount source is missing).
    public var isDirectory = false
    public var isRegularFile = false
    /// Whether ``target`` is itself a mount point: a file bind-mounted alone, seen from inside.
    public var isMountPoint = false
    /// The number of hard links to the file.
    public var linkCount = 0
    /// Other places where this very file is mounted alone: in other mount namespaces (containers), or
    /// elsewhere in this one.
    public var bindMounts: [BindMount] = []
    /// Mounts, in other namespaces, of an earlier copy of this path that has since been replaced (by a
    /// rename): those readers still see the old content and will until they are restarted.
    public var staleBindMounts: [BindMount] = []
    /// How many other mount namespaces were examined, and how many could not be (not root).
    public var namespacesExamined = 0
    public var namespacesNotReadable = 0

    public init(target: FilePath) {
        self.target = target
    }

    /// Why a rename would not reach every reader; empty when it would.
    public var inPlaceReasons: [InPlaceReason] {
        var reasons: [InPlaceReason] = []
        if isMountPoint { reasons.append(.mountPoint) }
        if let first = bindMounts.first { reasons.append(.boundElsewhere(first, count: bindMounts.count)) }
        if linkCount > 1 { reasons.append(.hardLinks(linkCount)) }
        return reasons
    }
}

/// A mount of an htpasswd file alone, somewhere else than the path being edited.
public struct BindMount: Equatable, Sendable {
    /// A process in the mount namespace that has the mount (for `nsenter`, and to name a container).
    public var processID: Int32
    /// The namespace's inode number, as in `/proc/PID/ns/mnt`.
    public var namespace: UInt64
    /// Where the file appears in that namespace.
    public var mountPoint: FilePath
    /// Whether the mount is read-only there.
    public var readOnly: Bool
    /// Whether the mount is in htpass's own mount namespace.
    public var inOwnNamespace: Bool
}

/// Why an edit is written in place rather than by renaming a new copy over the file.
public enum InPlaceReason: Equatable, Sendable {
    /// The file is a mount point: a file bind-mounted alone, seen from inside (a rename fails with EBUSY).
    case mountPoint
    /// The file is bind-mounted alone elsewhere (`count` mounts; the first is given): a rename would leave
    /// those readers on the old inode.
    case boundElsewhere(BindMount, count: Int)
    /// The file has this many hard links: a rename would cut the others off.
    case hardLinks(Int)
    /// The caller asked for it (``HtpasswdStore/WriteMode/inPlace``).
    case requested
}

extension InPlaceReason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .mountPoint:
            "it is a mount point (a file bind-mounted alone)"
        case .boundElsewhere(let mount, let count):
            (mount.inOwnNamespace
                ? "it is also mounted alone at '\(mount.mountPoint.display)'"
                : "it is bind-mounted alone into another mount namespace (process \(mount.processID), at '\(mount.mountPoint.display)')")
                + (count > 1 ? " and \(count - 1) more place\(count > 2 ? "s" : "")" : "")
        case .hardLinks(let count):
            "it has \(count) hard links"
        case .requested:
            "in-place writing was requested"
        }
    }
}

/// Finds the facts of ``FilePlacement``.
enum Placement {
    /// The placement of `target` (a path whose last component is not a symbolic link).
    ///
    /// - Parameter otherNamespaces: Whether to look into other processes' mount namespaces (a scan of
    ///   `/proc`; as a non-root user, only the user's own processes can be read).
    static func detect(_ target: FilePath, otherNamespaces: Bool = true) throws(HtpasswdError) -> FilePlacement {
        var placement = FilePlacement(target: target)
        var info = htpass_statx_result()
        let status = target.withPlatformString { htpass_statx(AT_FDCWD, $0, 1, &info) }
        guard status == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return placement }
            throw .system(.stat, path: target, errno: Errno(rawValue: errno))
        }
        placement.exists = true
        placement.isDirectory = info.mode & UInt32(S_IFMT) == UInt32(S_IFDIR)
        placement.isRegularFile = info.mode & UInt32(S_IFMT) == UInt32(S_IFREG)
        placement.linkCount = Int(info.nlink)
        guard placement.isRegularFile else { return placement }

        // The file's path inside its filesystem, from our own mount table: what other mounts of it show
        // as their root.
        let ownTable = MountTable.read("/proc/self/mountinfo") ?? []
        guard let realPath = realPath(target) else { return placement }
        let device = (info.dev_major, info.dev_minor)
        let mount =
            ownTable.first { info.mount_id != 0 && $0.id == info.mount_id }
            ?? ownTable.filter { $0.device == device && realPath.starts(with: $0.mountPoint) }
            .max { $0.mountPoint.components.count < $1.mountPoint.components.count }
        if info.has_mount_root != 0 {
            placement.isMountPoint = info.is_mount_root != 0
        } else if let mount {
            placement.isMountPoint = mount.mountPoint == realPath
        }
        guard let mount else { return placement }
        var pathInFilesystem = mount.root
        let relative = realPath.components.dropFirst(mount.mountPoint.components.count)
        pathInFilesystem.append(relative)
        // Raw bytes: a FilePath would fold the "//" into "/", and never match.
        let deleted = pathInFilesystem.bytes + Array("//deleted".utf8)

        func examine(_ table: [MountTable.Mount], process: Int32, namespace: UInt64, own: Bool) {
            for entry in table where entry.device == device && entry.id != mount.id {
                guard entry.root == pathInFilesystem || entry.rootBytes == deleted else { continue }
                if own && entry.mountPoint == realPath { continue }
                let found = BindMount(
                    processID: process, namespace: namespace, mountPoint: entry.mountPoint,
                    readOnly: entry.readOnly, inOwnNamespace: own)
                if entry.rootBytes == deleted {
                    placement.staleBindMounts.append(found)
                } else {
                    placement.bindMounts.append(found)
                }
            }
        }

        let ownNamespace = Namespaces.mountNamespace(of: "self")
        examine(ownTable, process: getpid(), namespace: ownNamespace ?? 0, own: true)
        guard otherNamespaces, let ownNamespace else { return placement }
        var seen: Set<UInt64> = [ownNamespace]
        Namespaces.forEachProcess { process in
            guard let namespace = Namespaces.mountNamespace(of: String(process)) else {
                // Not ours to read (another user's process, as a non-root user), or gone.
                if errno == EACCES || errno == EPERM { placement.namespacesNotReadable += 1 }
                return
            }
            guard seen.insert(namespace).inserted else { return }
            guard let table = MountTable.read(FilePath("/proc/\(process)/mountinfo")) else {
                placement.namespacesNotReadable += 1
                return
            }
            placement.namespacesExamined += 1
            examine(table, process: process, namespace: namespace, own: false)
        }
        return placement
    }

    /// The canonical absolute path of `path` (`realpath(3)`), or nil.
    static func realPath(_ path: FilePath) -> FilePath? {
        guard let resolved = path.withPlatformString({ Glibc.realpath($0, nil) }) else { return nil }
        defer { free(resolved) }
        return FilePath(platformString: resolved)
    }
}

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
    static func forEachProcess(_ body: (Int32) -> Void) {
        guard let directory = opendir("/proc") else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
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
    }

    /// The mounts in the table at `path`, or nil if it cannot be read.
    static func read(_ path: FilePath) -> [Mount]? {
        let fd = path.withPlatformString { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let bytes = try? Syscall.readAll(fd) else { return nil }
        return parse(bytes)
    }

    static func parse(_ bytes: [UInt8]) -> [Mount] {
        bytes.split(separator: 0x0A).compactMap { line in
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
            guard fields.count >= 6, let id = number(fields[0]) else { return nil }
            let device = fields[2].split(separator: UInt8(ascii: ":"))
            guard device.count == 2, let major = number(device[0]), let minor = number(device[1]) else { return nil }
            let root = unescape(fields[3])
            let options = fields[5].split(separator: UInt8(ascii: ","))
            return Mount(
                id: id, device: (UInt32(truncatingIfNeeded: major), UInt32(truncatingIfNeeded: minor)),
                root: FilePath(bytes: root), rootBytes: root, mountPoint: FilePath(bytes: unescape(fields[4])),
                readOnly: options.contains { $0.elementsEqual("ro".utf8) })
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
    private static func unescape(_ field: ArraySlice<UInt8>) -> [UInt8] {
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

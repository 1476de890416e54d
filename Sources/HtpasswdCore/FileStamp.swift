import CLinux
import Glibc
import SystemPackage

/// What a server that keeps an htpasswd file in memory compares, before each answer, to tell whether the
/// file may have changed since it read it: cheap enough to take on every request (an `open`, an `fstat`,
/// a `getxattr`, a `readlink` and an `lstat`, a few microseconds; a path that is not a regular file is
/// never opened, only its status taken), and different after every change an edit
/// can make. ``isCurrent()`` tells in two status calls, in the usual case, that the file still has a stamp.
///
/// - A file **replaced by rename** (htpass's default edit, `mv`, a Kubernetes Secret's `..data` link
///   swapped): another ``device`` or ``inode`` under the path, which is followed through symbolic links as
///   the servers follow it.
/// - A file **edited in place** (htpass's in-place mode, an editor that rewrites the file, `cat > file`): a
///   new ``size``, ``modified`` or ``changed`` time.
/// - An **in-place edit of htpass pending or rolled forward**: the mark htpass sets on the file for the
///   edit (``mark``) and the journal next to it (``journal``), whose reading differs from the file's (a
///   reader that may not finish the edit reads the journal's new content), appear, change and go.
/// - A file **deleted, unreadable or turned into a directory**: ``problem`` says why it cannot be opened,
///   and ``kind`` what it is.
///
/// Equal stamps do not prove equal content when the file changed within the granularity of the file
/// system's clock (a few milliseconds, one or two seconds on some file systems) after it was read: see
/// ``mayChangeUnseen(readAt:)``, and reread a file whose stamp says so.
public struct FileStamp: Hashable, Sendable, CustomStringConvertible {
    /// A time stamp of the file, as `stat(2)` gives it.
    public struct Time: Hashable, Comparable, Sendable {
        /// Seconds since the epoch.
        public var seconds: Int
        /// Nanoseconds within the second.
        public var nanoseconds: Int

        /// A time of `seconds` and `nanoseconds` since the epoch.
        public init(seconds: Int, nanoseconds: Int) {
            self.seconds = seconds
            self.nanoseconds = nanoseconds
        }

        init(_ time: timespec) {
            self.init(seconds: Int(time.tv_sec), nanoseconds: Int(time.tv_nsec))
        }

        /// The wall clock now (`CLOCK_REALTIME`), the clock file times come from.
        public static var now: Time {
            var time = timespec()
            clock_gettime(CLOCK_REALTIME, &time)
            return Time(time)
        }

        /// Whether `lhs` is earlier than `rhs`.
        public static func < (lhs: Time, rhs: Time) -> Bool {
            (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
        }
    }

    /// What the path leads to.
    public enum Kind: Hashable, Sendable {
        /// Nothing: the file does not exist, or `stat(2)` fails (``FileStamp/problem`` says why).
        case none
        /// A regular file.
        case regularFile
        /// A directory.
        case directory
        /// Anything else: a device, a FIFO, a socket.
        case other
    }

    /// The stamp of htpass's journal next to the file, present while an in-place edit is pending.
    public struct Journal: Hashable, Sendable {
        /// The journal file's device.
        public var device: UInt64
        /// The journal file's inode.
        public var inode: UInt64
        /// Its size in bytes.
        public var size: Int
        /// Its status change time.
        public var changed: Time
    }

    /// The path the stamp was taken of.
    public let path: FilePath
    /// What the path leads to, links followed.
    public var kind: Kind
    /// The device of the file the path leads to (0 when there is none).
    public var device: UInt64
    /// The inode of the file the path leads to (0 when there is none).
    public var inode: UInt64
    /// The file's size in bytes.
    public var size: Int
    /// The file's type and permissions (`st_mode`): a change can make it unreadable, or readable again.
    public var mode: UInt32
    /// The file's owner.
    public var owner: UInt32
    /// The file's group.
    public var group: UInt32
    /// The file's modification time.
    public var modified: Time
    /// The file's status change time: any write, and any change of its mode, owner, links or attributes.
    public var changed: Time
    /// The value of the extended attribute htpass sets on the file while an in-place edit is pending
    /// (`user.htpass.journal`); nil without one.
    public var mark: [UInt8]?
    /// htpass's journal next to the file (`.NAME.htpass-journal` in the file's own directory, links
    /// followed); nil without one.
    public var journal: Journal?
    /// Why the file cannot be opened for reading or its status taken (`ENOENT`, `EACCES`...); nil if it can.
    public var problem: Errno?
    /// Where the journal was looked for, in order (the first found is ``journal``): for ``isCurrent()``.
    private var journalPaths: [FilePath] = []

    /// The stamp of the file at `path` now.
    ///
    /// It never fails: a file that cannot be opened or examined gets a stamp that says why (``problem``), so
    /// that a change of that, too, is seen.
    public init(of path: FilePath) {
        self.init(path: path)
        // Only a regular file is opened: opening a device can act on it (a tape rewinds, a terminal is
        // touched), and a link to one may have been planted by someone else. Anything else is described
        // by its status alone.
        var seen = stat()
        if path.withPlatformString({ stat($0, &seen) }) == 0, seen.st_mode & S_IFMT != S_IFREG {
            take(seen)
            lookForJournal([Self.journalPath(forLinkedPath: path)])
            return
        }
        var raw: CInt
        repeat {
            raw = path.withPlatformString { open($0, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK) }
        } while raw < 0 && errno == EINTR
        guard raw >= 0 else {
            problem = Errno(rawValue: errno)
            // Unreadable but there: its status still tells a change (chmod, a new file).
            var info = stat()
            if path.withPlatformString({ stat($0, &info) }) == 0 { take(info) }
            lookForJournal([Self.journalPath(forLinkedPath: path)])
            return
        }
        let file = Descriptor(adopting: raw)
        guard let opened = FileStamp(openFile: file.raw, path: path) else {
            problem = Errno(rawValue: errno)
            return
        }
        self = opened
        lookForJournal([Self.journalPath(for: file.raw), Self.journalPath(forLinkedPath: path)])
    }

    /// The stamp of the open file `fd` (its status and mark; no journal looked for), as a reader compares it
    /// before and after reading to tell whether an in-place edit wrote the file meanwhile; nil with `errno`
    /// set when `fstat(2)` fails.
    init?(openFile fd: CInt, path: FilePath) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        self.init(path: path)
        take(info)
        mark = Self.mark(of: fd)
    }

    /// A stamp of nothing at `path`, to be filled in.
    private init(path: FilePath) {
        self.path = path
        kind = .none
        device = 0
        inode = 0
        size = 0
        mode = 0
        owner = 0
        group = 0
        modified = Time(seconds: 0, nanoseconds: 0)
        changed = modified
    }

    /// Sets ``journal`` to the first journal found at `paths`, and remembers where it looked.
    private mutating func lookForJournal(_ paths: [FilePath?]) {
        for case let path? in paths where !journalPaths.contains(path) {
            journalPaths.append(path)
            if journal == nil, let found = Self.journal(at: path) { journal = found }
        }
    }

    /// Whether the file at ``path`` still has this stamp, by two status calls instead of a new stamp's
    /// five: the file's `stat(2)` (device, inode, size, mode, owner, group, times; a change of htpass's mark
    /// changes the status change time) and an `lstat(2)` of the journal where this stamp looked for it. For
    /// a server's every request.
    ///
    /// False does not mean the file changed, only that this check cannot tell: take a new stamp and
    /// compare. Always false for a stamp of a file that was not a readable regular file.
    public func isCurrent() -> Bool {
        guard kind == .regularFile, problem == nil, !journalPaths.isEmpty else { return false }
        var info = stat()
        guard path.withPlatformString({ stat($0, &info) }) == 0, info.st_mode & S_IFMT == S_IFREG,
            UInt64(info.st_dev) == device, UInt64(info.st_ino) == inode, Int(info.st_size) == size,
            UInt32(info.st_mode) == mode, UInt32(info.st_uid) == owner, UInt32(info.st_gid) == group,
            Time(info.st_mtim) == modified, Time(info.st_ctim) == changed
        else { return false }
        var found: Journal?
        for path in journalPaths {
            found = Self.journal(at: path)
            if found != nil { break }
        }
        return found == journal
    }

    private mutating func take(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regularFile
        case S_IFDIR: kind = .directory
        default: kind = .other
        }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int(info.st_size)
        mode = UInt32(info.st_mode)
        owner = UInt32(info.st_uid)
        group = UInt32(info.st_gid)
        modified = Time(info.st_mtim)
        changed = Time(info.st_ctim)
    }

    /// Whether the file may have been changed after a reading that began at `readAt` (wall clock) without
    /// the stamp showing it: when the file's last change is within two seconds of that reading, a later
    /// write in the same tick of the file system's clock leaves the same times (and a rewrite of the same
    /// size, the same stamp). A server keeps using what it read, and reads the file again on the next
    /// request; once the reading is more than two seconds younger than the change, equal stamps mean an
    /// unchanged file. Git's index has the same rule ("racily clean" entries).
    public func mayChangeUnseen(readAt: Time) -> Bool {
        let margin = Time(seconds: changed.seconds + 2, nanoseconds: changed.nanoseconds)
        return kind != .none && readAt < margin
    }

    /// A one-line description for logs: identity, size and times.
    public var description: String {
        if let problem, kind == .none { return "\(path): \(problem)" }
        return
            "\(path): device \(device) inode \(inode) size \(size) modified \(modified.seconds).\(modified.nanoseconds)"
            + " changed \(changed.seconds).\(changed.nanoseconds)" + (mark == nil ? "" : ", in-place edit marked")
            + (journal == nil ? "" : ", journal present")
    }

    private static func mark(of fd: CInt) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 128)
        while true {
            let count = buffer.withUnsafeMutableBytes {
                htpass_fgetxattr(fd, HtpasswdCore.Journal.markName, $0.baseAddress, $0.count)
            }
            if count >= 0 { return Array(buffer[..<count]) }
            if errno == EINTR { continue }
            // No mark, or no extended attributes on this file system; any other failure (ERANGE: a longer
            // value than any mark) is a mark of sorts, which must not compare equal to none.
            if errno == ENODATA || errno == ENOTSUP || errno == EOPNOTSUPP { return nil }
            return Array("unreadable \(errno)".utf8)
        }
    }

    /// Where the journal of the open file `fd` would be, found through the path the kernel gives the
    /// descriptor (`/proc/self/fd`), so that links are followed as they were to open it.
    private static func journalPath(for fd: CInt) -> FilePath? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard count > 0, buffer[0] == CChar(UInt8(ascii: "/")) else { return nil }
        let real = FilePath(String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        return journalPath(next: real)
    }

    /// Where the journal of the file `path` leads to would be, links resolved by `realpath(3)` (when `/proc`
    /// is not mounted, or the file cannot be opened).
    private static func journalPath(forLinkedPath path: FilePath) -> FilePath? {
        guard let resolved = path.withPlatformString({ realpath($0, nil) }) else {
            // A missing file: its journal would be next to the name itself.
            return journalPath(next: path)
        }
        defer { free(resolved) }
        return journalPath(next: FilePath(String(cString: resolved)))
    }

    private static func journalPath(next file: FilePath) -> FilePath? {
        guard let name = file.lastComponent else { return nil }
        var journalPath = file
        journalPath.removeLastComponent()
        journalPath.append(HtpasswdCore.Journal.name(for: name))
        return journalPath
    }

    private static func journal(at journalPath: FilePath) -> Journal? {
        var info = stat()
        guard journalPath.withPlatformString({ lstat($0, &info) }) == 0 else { return nil }
        return Journal(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int(info.st_size),
            changed: Time(info.st_ctim))
    }
}

extension HtpasswdStore {
    /// The stamp of the file now (see ``FileStamp``): compare it with one taken before a reading to tell
    /// whether to read again.
    public func stamp() -> FileStamp {
        FileStamp(of: path)
    }
}

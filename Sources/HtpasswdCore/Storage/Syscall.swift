import CLinux
import Glibc
import SystemPackage

/// The system calls htpass makes on files, named for messages and for code that must tell failures apart
/// (an enum rather than text: control flow never compares strings).
public enum SystemCall: String, Equatable, Hashable, Sendable, CaseIterable {
    /// `open(2)`, `openat(2)`.
    case open
    /// `read(2)`, `pread(2)`.
    case read
    /// `write(2)`, `pwrite(2)`.
    case write
    /// `fsync(2)`.
    case sync
    /// `fchmod(2)`.
    case setMode
    /// `fchown(2)`.
    case setOwner
    /// `renameat(2)`, `renameat2(2)`.
    case rename
    /// `linkat(2)`.
    case link
    /// `unlinkat(2)`.
    case unlink
    /// `fcntl(2)` with `F_OFD_SETLK`.
    case lock
    /// `fstat(2)`, `fstatat(2)`, `statx(2)`.
    case stat
    /// `ftruncate(2)`.
    case truncate
    /// `readlinkat(2)`.
    case readLink
    /// `copy_file_range(2)`.
    case copy
    /// `fallocate(2)`.
    case allocate
    /// `fgetxattr(2)`.
    case readAttribute
    /// `fsetxattr(2)`.
    case setAttribute
    /// `fremovexattr(2)`.
    case removeAttribute

    /// The action as a phrase for "Cannot ... 'PATH'".
    public var phrase: String {
        switch self {
        case .open: "open"
        case .read: "read"
        case .write: "write"
        case .sync: "sync"
        case .setMode: "set the mode of"
        case .setOwner: "set the owner and group of"
        case .rename: "rename a file over"
        case .link: "link a new file as"
        case .unlink: "remove"
        case .lock: "lock"
        case .stat: "look up"
        case .truncate: "truncate"
        case .readLink: "read the symbolic link"
        case .copy: "copy"
        case .allocate: "reserve space for"
        case .readAttribute: "read the extended attributes of"
        case .setAttribute: "set an extended attribute of"
        case .removeAttribute: "remove an extended attribute of"
        }
    }
}

/// A failed system call, before the path it concerns is attached.
struct SystemError: Error, Equatable {
    var call: SystemCall
    var errno: Errno

    init(_ call: SystemCall, errno: CInt) {
        self.call = call
        self.errno = Errno(rawValue: errno)
    }

    /// The same failure as an ``HtpasswdError`` that names `path`.
    func at(_ path: FilePath) -> HtpasswdError {
        .fileSystem(.systemCallFailed(call, path: path, errno: errno))
    }
}

/// A thin layer over the C library, in swift-system's manner: `EINTR` is retried (except for `close`
/// and `rename`, whose state after `EINTR` is unspecified), and errors carry the call and `errno`.
/// Paths are ``FilePath``s: their bytes go to the kernel as they are, valid UTF-8 or not.
/// A file's identity: its device and inode numbers.
struct FileID: Equatable {
    var device: UInt64
    var inode: UInt64

    init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    init(_ info: stat) {
        self.init(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// The identity of the open file `fd`; nil if it cannot be taken.
    init?(_ fd: CInt) {
        guard let info = try? Syscall.fstat(fd) else { return nil }
        self.init(info)
    }
}

enum Syscall {
    /// Calls `body` until it stops failing with `EINTR`.
    @discardableResult
    static func retrying(_ call: SystemCall, _ body: () -> CInt) throws(SystemError) -> CInt {
        while true {
            let result = body()
            if result != -1 { return result }
            if errno != EINTR { throw SystemError(call, errno: errno) }
        }
    }

    /// `open(2)` with `O_CLOEXEC`: the descriptor, owned.
    static func open(_ path: FilePath, _ flags: CInt, mode: mode_t = 0) throws(SystemError) -> Descriptor {
        Descriptor(
            adopting: try retrying(.open) { path.withPlatformString { Glibc.open($0, flags | O_CLOEXEC, mode) } })
    }

    /// Reads up to `count` bytes into `buffer` at `offset`; 0 at the end of the file.
    static func read(_ fd: CInt, into buffer: UnsafeMutableRawPointer, count: Int) throws(SystemError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer, count)
            if n >= 0 { return n }
            if errno != EINTR { throw SystemError(.read, errno: errno) }
        }
    }

    /// Reads the whole of `fd` from its current offset.
    static func readAll(_ fd: CInt, sizeHint: Int = 0) throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max(sizeHint + 1, 4096))
        var count = 0
        while true {
            if count == buffer.count {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
            var failure: SystemError?
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                do throws(SystemError) {
                    return try read(fd, into: raw.baseAddress! + count, count: raw.count - count)
                } catch {
                    failure = error
                    return 0
                }
            }
            if let failure { throw failure }
            if n == 0 { break }
            count += n
        }
        buffer.removeSubrange(count...)
        return buffer
    }

    /// Writes all of `bytes` to `fd` at its offset.
    static func writeAll(_ fd: CInt, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(.write, errno: errno)
            }
            offset += n
        }
    }

    static func writeAll(_ fd: CInt, _ bytes: [UInt8]) throws(SystemError) {
        var failure: SystemError?
        bytes.withUnsafeBytes { raw in
            do throws(SystemError) { try writeAll(fd, raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes all of `bytes` to `fd` at `offset`, without moving the descriptor's offset.
    static func pwriteAll(_ fd: CInt, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SystemError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = Glibc.pwrite(fd, base + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(.write, errno: errno)
            }
            done += n
        }
    }

    static func fstat(_ fd: CInt) throws(SystemError) -> Glibc.stat {
        var info = Glibc.stat()
        try retrying(.stat) { Glibc.fstat(fd, &info) }
        return info
    }

    /// `stat` (following symbolic links), or nil if nothing is at `path`.
    static func stat(_ path: FilePath) throws(SystemError) -> Glibc.stat? {
        var info = Glibc.stat()
        let result = path.withPlatformString { fstatat(AT_FDCWD, $0, &info, 0) }
        if result == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw SystemError(.stat, errno: errno)
    }

    /// `lstat`, or nil if nothing is at `path`.
    static func lstat(_ path: FilePath) throws(SystemError) -> Glibc.stat? {
        var info = Glibc.stat()
        let result = path.withPlatformString { Glibc.lstat($0, &info) }
        if result == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw SystemError(.stat, errno: errno)
    }

    static func fsync(_ fd: CInt) throws(SystemError) {
        try retrying(.sync) { Glibc.fsync(fd) }
    }

    /// Syncs a directory so that a rename or unlink in it survives a power cut. Some filesystems cannot
    /// sync a directory (EINVAL, ENOTSUP): the change is then as durable as they allow.
    static func syncDirectory(_ directory: FilePath) throws(HtpasswdError) {
        do throws(SystemError) {
            let fd = try open(directory, O_RDONLY | O_DIRECTORY)
            try fsync(fd.raw)
        } catch {
            if error.errno.rawValue == EINVAL || error.errno.rawValue == ENOTSUP { return }
            throw error.at(directory)
        }
    }

    /// Syncs the open directory `fd`, as ``syncDirectory(_:)`` does.
    static func syncDirectory(fd: CInt) throws(SystemError) {
        do throws(SystemError) { try fsync(fd) } catch {
            if error.errno.rawValue == EINVAL || error.errno.rawValue == ENOTSUP { return }
            throw error
        }
    }

    /// `openat(directory, name)`: `name` is one component, so nothing but the directory's descriptor
    /// decides where it is.
    static func open(in directory: CInt, _ name: FilePath.Component, _ flags: CInt) throws(SystemError) -> Descriptor {
        Descriptor(
            adopting: try retrying(.open) { name.withPlatformString { Glibc.openat(directory, $0, flags | O_CLOEXEC) } }
        )
    }

    /// `fstatat(directory, name)` without following a symbolic link; nil if nothing is there.
    static func lstat(in directory: CInt, _ name: FilePath.Component) throws(SystemError) -> Glibc.stat? {
        var info = Glibc.stat()
        let result = name.withPlatformString { Glibc.fstatat(directory, $0, &info, AT_SYMLINK_NOFOLLOW) }
        if result == 0 { return info }
        if errno == ENOENT { return nil }
        throw SystemError(.stat, errno: errno)
    }

    /// `unlinkat(directory, name)`, with a missing file counting as success.
    static func remove(in directory: CInt, _ name: FilePath.Component) throws(SystemError) {
        let result = name.withPlatformString { Glibc.unlinkat(directory, $0, 0) }
        if result != 0 && errno != ENOENT { throw SystemError(.unlink, errno: errno) }
    }

    static func unlink(_ path: FilePath) -> CInt {
        path.withPlatformString { Glibc.unlink($0) }
    }

    /// `unlink`, with a missing file counting as success.
    static func removeIfPresent(_ path: FilePath) throws(SystemError) {
        if unlink(path) != 0 && errno != ENOENT { throw SystemError(.unlink, errno: errno) }
    }

    static func rename(_ from: FilePath, _ to: FilePath) throws(SystemError) {
        let result = from.withPlatformString { from in to.withPlatformString { to in Glibc.rename(from, to) } }
        if result != 0 { throw SystemError(.rename, errno: errno) }
    }

    static func ftruncate(_ fd: CInt, _ length: Int) throws(SystemError) {
        try retrying(.truncate) { Glibc.ftruncate(fd, off_t(length)) }
    }

    /// The target of the symbolic link at `path`, as bytes.
    static func readLink(_ path: FilePath) throws(SystemError) -> FilePath {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = path.withPlatformString { Glibc.readlink($0, &buffer, buffer.count - 1) }
        guard length >= 0 else { throw SystemError(.readLink, errno: errno) }
        buffer[length] = 0
        return FilePath(platformString: Array(buffer[...length]))
    }

    /// Copies `count` bytes of `source` from `offset` to the end of `destination` (at its offset): in the
    /// kernel with `copy_file_range` where the filesystem allows, else through `scratch`.
    static func copy(
        from source: CInt, offset: Int, count: Int, to destination: CInt, scratch: UnsafeMutableRawBufferPointer
    ) throws(SystemError) {
        var position = Int64(offset)
        var remaining = count
        var inKernel = true
        while remaining > 0 {
            if inKernel {
                let n = htpass_copy_file_range(source, &position, destination, remaining)
                if n > 0 {
                    remaining -= n
                    continue
                }
                if n == 0 {
                    // The end of the source, or a file system whose copy_file_range copies nothing (some
                    // special and network file systems): the loop below tells the two apart.
                    inKernel = false
                    continue
                }
                if errno == EINTR { continue }
                if [EXDEV, ENOSYS, EINVAL, EOPNOTSUPP, EPERM].contains(errno) {
                    inKernel = false
                    continue
                }
                // Out of room is a failure to write, whoever copies.
                throw SystemError([ENOSPC, EDQUOT, EFBIG].contains(errno) ? .write : .copy, errno: errno)
            }
            let chunk = min(remaining, scratch.count)
            let n = Glibc.pread(source, scratch.baseAddress!, chunk, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(.read, errno: errno)
            }
            if n == 0 { throw SystemError(.read, errno: EIO) }  // the source is shorter than it was
            try writeAll(destination, UnsafeRawBufferPointer(rebasing: scratch[..<n]))
            position += Int64(n)
            remaining -= n
        }
    }
}

extension FilePath {
    /// The path's bytes, without the terminating NUL.
    var bytes: [UInt8] {
        withPlatformString { pointer in
            Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
        }
    }

    /// A path made of `bytes` exactly (which must not contain NUL).
    init(bytes: some Collection<UInt8>) {
        self.init(platformString: bytes.map { CChar(bitPattern: $0) } + [0])
    }

    /// The path for messages, the one way every module shows one: valid UTF-8 as is, other bytes and
    /// control characters as `\xNN` (`FilePath.string` would turn bytes that are not UTF-8 into U+FFFD, so
    /// that two different paths could look the same).
    package var display: String { displayText(bytes) }

    /// The directory part and the last component; `.` for a bare name.
    var split: (directory: FilePath, name: FilePath.Component?) {
        var directory = self
        let name = directory.lastComponent
        directory.removeLastComponent()
        if directory.isEmpty { directory = "." }
        return (directory, name)
    }

    /// The path of a file next to this one: the last component with `prefix` and `suffix` added to its
    /// bytes, in the same directory (`.NAME.htpass-tmp`).
    func sibling(prefix: String, suffix: String) -> FilePath {
        let (directory, name) = split
        var nameBytes: [UInt8] = []
        name?.withPlatformString { pointer in
            nameBytes = Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
        }
        let bytes = Array(prefix.utf8) + nameBytes + Array(suffix.utf8)
        return directory.appending(FilePath.Component(platformString: bytes.map { CChar(bitPattern: $0) } + [0])!)
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBufferPointer` that keeps `body`'s typed error (the standard library's rethrows an untyped one).
    func withBuffer<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        var result: Result<R, E>!
        withUnsafeBufferPointer { buffer in result = Result { () throws(E) -> R in try body(buffer) } }
        return try result.get()
    }
}

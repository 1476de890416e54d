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
        .fileSystem(failure(at: path))
    }

    /// The same failure as a ``FileSystemError`` that names `path`.
    func failure(at path: FilePath) -> FileSystemError {
        .systemCallFailed(call, path: path, errno: errno)
    }
}

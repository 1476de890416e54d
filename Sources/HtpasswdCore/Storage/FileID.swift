import Glibc

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

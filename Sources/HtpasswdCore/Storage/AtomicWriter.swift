import Glibc

/// Replaces a file so that readers see either the old file or the new one, and a crash leaves one of
/// the two: write a temporary file in the same directory, `fsync` it, give it the target's mode, owner
/// and group, `rename` it over the target, `fsync` the directory.
///
/// The temporary file has a fixed name, `.NAME.htpass-tmp`: callers hold the directory lock (see
/// ``FileLock``), so no two writers use it at once, and a file left by a writer that was killed is
/// simply replaced by the next edit.
enum AtomicWriter {
    /// Owner, group and mode for the file being written.
    struct Attributes {
        var mode: mode_t
        var owner: uid_t?
        var group: gid_t?
    }

    /// Writes `contents` to `target` in `directory` atomically and durably.
    ///
    /// - Throws: ``HtpasswdError/io(operation:path:errno:)`` naming the failed step; the target is then
    ///   untouched and the temporary file removed.
    static func replace(
        _ target: String, in directory: String, name: String, with contents: [UInt8], attributes: Attributes
    ) throws(HtpasswdError) {
        let temporary = directory + "/." + name + ".htpass-tmp"
        // A leftover from a killed writer, or anything else squatting on the name, goes first.
        if unlink(temporary) != 0 && errno != ENOENT {
            throw .io(operation: "remove the old temporary file", path: temporary, errno: errno)
        }
        let fd: CInt
        do {
            fd = try Syscall.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
        } catch {
            throw error.at(temporary)
        }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do throws(SystemError) {
            try Syscall.closeAfter(fd) { (fd) throws(SystemError) in
                try Syscall.writeAll(fd, contents)
                if attributes.owner != nil || attributes.group != nil {
                    let info = try Syscall.fstat(fd)
                    let owner = attributes.owner ?? info.st_uid
                    let group = attributes.group ?? info.st_gid
                    if owner != info.st_uid || group != info.st_gid {
                        try Syscall.retrying("set the owner and group of") { fchown(fd, owner, group) }
                    }
                }
                // After fchown, which may clear set-id bits.
                try Syscall.retrying("set the mode of") { fchmod(fd, attributes.mode) }
                try Syscall.retrying("sync") { fsync(fd) }
            }
        } catch {
            if error.errno == EPERM, error.operation == "set the owner and group of", let owner = attributes.owner,
                let group = attributes.group
            {
                throw .ownerNotKept(path: target, owner: owner, group: group)
            }
            throw error.at(target)
        }
        guard rename(temporary, target) == 0 else {
            throw .io(operation: "rename the temporary file over", path: target, errno: errno)
        }
        renamed = true
        // The rename is done; syncing the directory makes it survive a power cut. Some filesystems cannot
        // sync a directory (EINVAL, ENOTSUP): the rename is then as durable as they allow.
        do throws(SystemError) {
            let dirFD = try Syscall.open(directory, O_RDONLY | O_DIRECTORY)
            try Syscall.closeAfter(dirFD) { (fd) throws(SystemError) in
                try Syscall.retrying("sync") { fsync(fd) }
            }
        } catch {
            if error.errno == EINVAL || error.errno == ENOTSUP { return }
            throw error.at(directory)
        }
    }
}

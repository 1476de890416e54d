import Glibc

/// An exclusive `flock(2)` on the directory that holds an htpasswd file.
///
/// The data file itself cannot carry the lock: every edit replaces it by `rename`, so a process waiting
/// on the old inode would wake up holding a lock on a file nobody reads any more. The directory stays
/// the same inode across renames, and locking it leaves nothing behind (unlike a sibling `.lock` file).
/// Edits of different files in the same directory wait for each other, which costs little.
enum FileLock {
    /// Runs `body` holding the lock on `directory`, waiting up to `timeout` seconds for it.
    ///
    /// - Throws: ``HtpasswdError/lockTimeout(path:seconds:)`` after `timeout`; ``HtpasswdError/io(operation:path:errno:)``
    ///   if the directory cannot be opened or locked; or what `body` throws.
    static func withExclusiveLock<Result>(
        on directory: String, timeout: Double, lockedFile: String, _ body: () throws(HtpasswdError) -> Result
    ) throws(HtpasswdError) -> Result {
        let fd: CInt
        do {
            fd = try Syscall.open(directory, O_RDONLY | O_DIRECTORY)
        } catch {
            throw error.at(directory)
        }
        let deadline = Self.now() + timeout
        var pause: Double = 0.0005
        while true {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { break }
            let code = errno
            if code != EWOULDBLOCK && code != EINTR {
                close(fd)
                throw .io(operation: "lock", path: directory, errno: code)
            }
            if Self.now() >= deadline {
                close(fd)
                throw .lockTimeout(path: lockedFile, seconds: timeout)
            }
            // Short, growing, jittered naps: many waiters do not wake in step.
            let jitter = Double(UInt8.random(in: 0...255)) / 255
            var nap = timespec(tv_sec: 0, tv_nsec: Int((pause * (0.5 + jitter)) * 1e9))
            nanosleep(&nap, nil)
            pause = min(pause * 2, 0.02)
        }
        // Closing the descriptor releases the lock, on every path.
        defer { close(fd) }
        return try body()
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

import Glibc
import SystemPackage

/// Exclusive `flock(2)` locks for edits: on the directory that holds an htpasswd file, and, for an edit
/// written in place, on the file itself.
///
/// The data file cannot carry the lock of an edit that replaces it by `rename`: a process waiting on the
/// old inode would wake up holding a lock on a file nobody reads any more. The directory stays the same
/// inode across renames, and locking it leaves nothing behind (unlike a sibling `.lock` file). Edits of
/// different files in the same directory wait for each other, which costs little.
///
/// An edit written in place keeps the file's inode, which may be reachable through other directories (a
/// hard link, or the same file bind-mounted into a container, whose htpass locks the container's
/// directory): those edits also lock the file itself, after the directory, so that every writer of the
/// inode waits for the others.
enum FileLock {
    /// When waiting for the locks of one operation gives up: one deadline for the directory's lock and
    /// the file's, so that the timeout bounds the whole wait.
    struct Deadline {
        /// The timeout it was made from, in seconds, for the error.
        let timeout: Double
        /// The instant, on the monotonic clock.
        let instant: Double

        init(timeout: Double) {
            self.timeout = timeout
            instant = FileLock.now() + timeout
        }
    }

    /// Runs `body` holding the lock on `directory`, waiting for it until `deadline`.
    ///
    /// - Throws: ``HtpasswdError/lockTimeout(path:seconds:)`` at `deadline`; ``HtpasswdError/system(_:path:errno:)``
    ///   if the directory cannot be opened or locked; or what `body` throws.
    static func withExclusiveLock<Result>(
        on directory: FilePath, until deadline: Deadline, lockedFile: FilePath,
        _ body: () throws(HtpasswdError) -> Result
    ) throws(HtpasswdError) -> Result {
        let fd: CInt
        do {
            fd = try Syscall.open(directory, O_RDONLY | O_DIRECTORY)
        } catch {
            throw error.at(directory)
        }
        // Closing the descriptor releases the lock, on every path.
        defer { close(fd) }
        try lock(fd, path: directory, until: deadline, lockedFile: lockedFile)
        return try body()
    }

    /// Takes an exclusive lock (a shared one if `shared`: readers that keep edits out) on the open file
    /// `fd`, waiting until `deadline`. The lock lasts until every descriptor of that open file is closed.
    static func lock(
        _ fd: CInt, path: FilePath, until deadline: Deadline, lockedFile: FilePath, shared: Bool = false
    ) throws(HtpasswdError) {
        var pause: Double = 0.0005
        while true {
            if flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0 { return }
            let code = errno
            if code != EWOULDBLOCK && code != EINTR {
                throw .system(.lock, path: path, errno: Errno(rawValue: code))
            }
            let left = deadline.instant - now()
            if left <= 0 { throw .lockTimeout(path: lockedFile, seconds: deadline.timeout) }
            // Short, growing, jittered naps: many waiters do not wake in step.
            let jitter = Double(UInt8.random(in: 0...255)) / 255
            var nap = timespec(tv_sec: 0, tv_nsec: Int((min(pause * (0.5 + jitter), left)) * 1e9))
            nanosleep(&nap, nil)
            pause = min(pause * 2, 0.02)
        }
    }

    fileprivate static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

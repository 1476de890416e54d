import Glibc
import SystemPackage

/// The process that holds a lock htpass waits for, as `/proc` tells it.
public struct LockHolder: Equatable, Sendable, CustomStringConvertible {
    /// Its process id.
    public var processID: Int32
    /// Its command name (`/proc/PID/comm`), empty if it could not be read.
    public var command: String

    /// A holder: its process id and command name (control bytes already escaped).
    public init(processID: Int32, command: String) {
        self.processID = processID
        self.command = command
    }

    public var description: String { command.isEmpty ? "process \(processID)" : "process \(processID) (\(command))" }
}

/// The edit lock: an open file description lock (`fcntl(F_OFD_SETLK)`) on the htpasswd file itself.
///
/// An edit's lock is a write lock, which the kernel grants only on a descriptor open for writing: only
/// those who may write the file can take it, and so delay an edit (an earlier htpass used `flock` on the
/// directory, which anyone who could open the directory could hold). A reader that wants to read one
/// version of the file takes a read lock (``HtpasswdStore/withConsistentReads(_:)``); anyone who may read
/// the file can do that, and so delay an edit for as long as they hold it: htpass then names them.
///
/// An edit by rename gives the path a new inode: a writer that waited on the old one finds, once it holds
/// the lock, that the name now leads elsewhere, and locks the new file instead (``HtpasswdStore``'s edit
/// loop). A writer through another path to the same inode (a hard link, a container's bind mount) takes
/// the same lock. `flock` and these locks do not conflict: a `flock` anyone holds delays nothing.
enum FileLock {
    /// Linux's `F_OFD_GETLK`, `F_OFD_SETLK` (Swift's Glibc module does not export them).
    static let getCommand: CInt = 36
    static let setCommand: CInt = 37

    /// When waiting for a lock gives up.
    struct Deadline {
        /// The timeout it was made from, in seconds, for the error.
        let timeout: Double
        /// The instant, on the monotonic clock.
        let instant: Double
        /// When the wait started.
        let start: Double

        init(timeout: Double) {
            self.timeout = timeout
            start = FileLock.now()
            instant = start + timeout
        }
    }

    /// Takes the lock on the open file `fd` — a write lock, or a read lock if `shared` — waiting until
    /// `deadline`. After a second of waiting, `waiting` is told who holds it (once). The lock lasts until
    /// the descriptor is closed.
    ///
    /// - Throws: ``HtpasswdError/lockTimeout(path:seconds:holder:)`` at `deadline`, naming the holder;
    ///   ``HtpasswdError/fileSystem(_:)`` (``FileSystemError/Code/systemCallFailed``) if the lock cannot be taken at all (a descriptor not open for
    ///   writing asks for a write lock: `EBADF`).
    static func lock(
        _ fd: CInt, path: FilePath, until deadline: Deadline, shared: Bool = false,
        waiting: (@Sendable (FilePath, LockHolder?) -> Void)? = nil
    ) throws(HtpasswdError) {
        var pause: Double = 0.0005
        var told = false
        while true {
            var request = flock()
            request.l_type = Int16(shared ? F_RDLCK : F_WRLCK)
            request.l_whence = Int16(SEEK_SET)
            if fcntl(fd, setCommand, &request) == 0 { return }
            let code = errno
            if code != EAGAIN && code != EACCES && code != EINTR {
                throw .system(.lock, path: path, errno: Errno(rawValue: code))
            }
            let now = now()
            if now >= deadline.instant {
                throw .lockTimeout(path: path, seconds: deadline.timeout, holder: holder(of: fd, shared: shared))
            }
            if !told, now - deadline.start >= 1, let waiting {
                told = true
                waiting(path, holder(of: fd, shared: shared))
            }
            // Short, growing, jittered naps: many waiters do not wake in step.
            let jitter = Double(UInt8.random(in: 0...255)) / 255
            var nap = timespec(tv_sec: 0, tv_nsec: Int((min(pause * (0.5 + jitter), deadline.instant - now)) * 1e9))
            nanosleep(&nap, nil)
            pause = min(pause * 2, 0.02)
        }
    }

    /// The process holding a lock that conflicts with the one wanted on `fd`: the pid `F_OFD_GETLK` reports
    /// for a POSIX lock, else (an open file description lock, which has no pid) the process with a
    /// descriptor of the same file whose `/proc/PID/fdinfo` lists a lock. Nil if none is found.
    static func holder(of fd: CInt, shared: Bool) -> LockHolder? {
        var query = flock()
        query.l_type = Int16(shared ? F_RDLCK : F_WRLCK)
        query.l_whence = Int16(SEEK_SET)
        guard fcntl(fd, getCommand, &query) == 0, query.l_type != Int16(F_UNLCK) else { return nil }
        if query.l_pid > 0 { return LockHolder(processID: query.l_pid, command: command(of: query.l_pid)) }
        guard let file = FileID(fd) else { return nil }
        let own = getpid()
        var found: LockHolder?
        _ = Namespaces.forEachProcess { pid in
            guard found == nil, pid != own else { return }
            let directory = "/proc/\(pid)/fdinfo"
            guard let listing = opendir(directory) else { return }
            defer { closedir(listing) }
            while found == nil, let entry = readdir(listing) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard let number = Int32(name) else { continue }
                var info = stat()
                guard stat("/proc/\(pid)/fd/\(number)", &info) == 0, FileID(info) == file else { continue }
                let text = readSmallFile("\(directory)/\(name)")
                if text.contains("lock:") { found = LockHolder(processID: pid, command: command(of: pid)) }
            }
        }
        return found
    }

    /// The command name of `pid`, with control bytes escaped: any user names their own process, and this
    /// text reaches root's terminal.
    private static func command(of pid: Int32) -> String {
        var text = readSmallFile("/proc/\(pid)/comm")
        while text.last == "\n" { text.removeLast() }
        return String(displaying: Array(text.utf8))
    }

    private static func readSmallFile(_ path: String) -> String {
        guard let fd = Descriptor.open(path, O_RDONLY) else { return "" }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(fd.raw, &buffer, buffer.count)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }

    fileprivate static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

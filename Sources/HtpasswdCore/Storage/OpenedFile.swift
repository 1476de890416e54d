import Glibc
import SystemPackage

/// The htpasswd file, open relative to its resolved directory, and its status when it was opened.
struct OpenedFile {
    var descriptor: CInt
    var info: stat

    /// How ``open(_:path:writing:lock:)`` locks the file.
    enum Locking {
        case none
        /// A read lock (``FileLock``): no edit writes the file while it is held.
        case shared(FileLock.Deadline, waiting: (@Sendable (FilePath, LockHolder?) -> Void)?)
        /// The edit lock: a write lock, which needs the file open for writing.
        case exclusive(FileLock.Deadline, waiting: (@Sendable (FilePath, LockHolder?) -> Void)?)
    }

    /// Opens the file `resolved` names — without following a link, without blocking (a FIFO), for reading,
    /// or for reading and writing — checks that it is a regular file that the step from its directory may
    /// reach, and takes the lock asked for. Once it holds the lock, it makes sure that the name still leads
    /// to the inode it locked (an edit by rename may have replaced it while this waited) and otherwise
    /// opens the new file. The caller closes the descriptor. Nil if there is no file.
    ///
    /// - Parameter path: The path as given, for ``HtpasswdError/notRegularFile(path:)``.
    /// - Throws: ``HtpasswdError/notRegularFile(path:)``, ``HtpasswdError/unsafePath(path:at:refusal:)``,
    ///   ``HtpasswdError/lockTimeout(path:seconds:holder:)``, a system error (`EACCES`: may not write it;
    ///   `ELOOP`: a link was put in its place since the walk).
    static func open(
        _ resolved: ResolvedPath, path: FilePath, writing: Bool, lock: Locking
    ) throws(HtpasswdError) -> OpenedFile? {
        // A file replaced again and again while this waits (only a program that ignores the locks does that)
        // is given up on rather than chased for ever.
        for _ in 0..<64 {
            let fd: CInt
            do throws(SystemError) {
                fd = try Syscall.open(
                    in: resolved.directory, resolved.name, (writing ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_NONBLOCK)
            } catch {
                switch error.errno {
                case .noSuchFileOrDirectory: return nil
                case .isDirectory: throw .notRegularFile(path: path)
                default: throw error.at(resolved.path)
                }
            }
            do throws(HtpasswdError) {
                let info: stat
                do throws(SystemError) { info = try Syscall.fstat(fd) } catch { throw error.at(resolved.path) }
                guard info.st_mode & S_IFMT == S_IFREG else { throw HtpasswdError.notRegularFile(path: path) }
                try PathResolution.checkTransition(from: resolved, to: info, at: path)
                switch lock {
                case .none:
                    return OpenedFile(descriptor: fd, info: info)
                case .shared(let deadline, let waiting):
                    try FileLock.lock(fd, path: path, until: deadline, shared: true, waiting: waiting)
                case .exclusive(let deadline, let waiting):
                    try FileLock.lock(fd, path: path, until: deadline, waiting: waiting)
                }
                let now: stat?
                do throws(SystemError) { now = try Syscall.lstat(in: resolved.directory, resolved.name) } catch {
                    throw error.at(resolved.path)
                }
                if let now, FileID(now) == FileID(info) {
                    // Its status now: the lock's holder may have changed it.
                    do throws(SystemError) {
                        return OpenedFile(descriptor: fd, info: try Syscall.fstat(fd))
                    } catch {
                        throw error.at(resolved.path)
                    }
                }
            } catch {
                close(fd)
                throw error
            }
            // Replaced (or removed) while this waited: lock what is there now.
            close(fd)
        }
        throw .system(.open, path: resolved.path, errno: .staleNFSFileHandle)
    }

    /// Releases a lock taken by ``open(_:path:writing:lock:)`` (closing the descriptor also does).
    static func unlock(_ fd: CInt) {
        var request = flock()
        request.l_type = Int16(F_UNLCK)
        request.l_whence = Int16(SEEK_SET)
        _ = fcntl(fd, FileLock.setCommand, &request)
    }
}

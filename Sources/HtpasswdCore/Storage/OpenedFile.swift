import Glibc
import SystemPackage

/// The htpasswd file, open relative to its resolved directory, and its status when it was opened. It owns
/// the descriptor: the file is closed (and its lock released) when the value's life ends.
struct OpenedFile: ~Copyable {
    private let file: Descriptor
    let info: stat

    /// The open file, valid while this value lives.
    var descriptor: CInt { file.raw }

    /// Closes the file now, releasing its lock.
    consuming func close() {}

    /// The file as content to read, from its current offset, of `size` bytes.
    consuming func content(size: Int) -> OpenContent {
        OpenContent(file: file, size: size)
    }

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
    /// opens the new file. Nil if there is no file.
    ///
    /// - Parameter path: The path as given, for a ``FileSystemError/Code/notRegularFile`` error.
    /// - Throws: ``HtpasswdError/fileSystem(_:)`` (``FileSystemError/Code/notRegularFile``),
    ///   ``HtpasswdError/unsafePath(path:at:refusal:)``,
    ///   ``HtpasswdError/lockTimeout(path:seconds:holder:)``, a system error (`EACCES`: may not write it;
    ///   `ELOOP`: a link was put in its place since the walk).
    static func open(
        _ resolved: ResolvedPath, path: FilePath, writing: Bool, lock: Locking
    ) throws(HtpasswdError) -> OpenedFile? {
        // A file replaced again and again while this waits (only a program that ignores the locks does that)
        // is given up on rather than chased for ever.
        for _ in 0..<64 {
            let file: Descriptor
            do throws(SystemError) {
                file = try Syscall.open(
                    in: resolved.directory, resolved.name, (writing ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_NONBLOCK)
            } catch {
                switch error.errno {
                case .noSuchFileOrDirectory: return nil
                case .isDirectory: throw .notRegularFile(path: path)
                default: throw error.at(resolved.path)
                }
            }
            let fd = file.raw
            let info: stat
            do throws(SystemError) { info = try Syscall.fstat(fd) } catch { throw error.at(resolved.path) }
            guard info.st_mode & S_IFMT == S_IFREG else { throw HtpasswdError.notRegularFile(path: path) }
            try PathResolution.checkTransition(from: resolved, to: info, at: path)
            switch lock {
            case .none:
                return OpenedFile(file: file, info: info)
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
                let current: stat
                do throws(SystemError) { current = try Syscall.fstat(fd) } catch { throw error.at(resolved.path) }
                return OpenedFile(file: file, info: current)
            }
            // Replaced (or removed) while this waited: lock what is there now (this one is closed).
        }
        throw .system(.open, path: resolved.path, errno: .staleNFSFileHandle)
    }

    /// Releases a lock taken by ``open(_:path:writing:lock:)`` (closing the file also does).
    func unlock() {
        let fd = descriptor
        var request = flock()
        request.l_type = Int16(F_UNLCK)
        request.l_whence = Int16(SEEK_SET)
        _ = fcntl(fd, FileLock.setCommand, &request)
    }
}

/// Content open for reading, positioned at its start, and its size: the htpasswd file, or the new content in
/// an interrupted edit's journal. It owns the descriptor.
struct OpenContent: ~Copyable {
    let file: Descriptor
    let size: Int

    /// The open content, valid while this value lives.
    var descriptor: CInt { file.raw }
}

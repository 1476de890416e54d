import CLinux
import Glibc
import SystemPackage

/// The walk from a path to a ``ResolvedPath``, in the manner of systemd's `chase()` with `CHASE_SAFE` and of
/// `sudoedit`: component by component with `openat(O_PATH | O_NOFOLLOW)`, following a symbolic link only
/// where the kernel's `protected_symlinks` rule would, refusing any step out of a directory or link that a
/// user other than root and the caller owns into something owned by someone else.
///
/// The rules protect a caller with more rights (root) from a path someone else controls: a link planted in
/// `/tmp`, a directory a user owns in which root edits a file of another user, a link that turns a user's
/// directory into a way to `/etc`. Root's own links and a user's links used by that user pass.
enum PathResolution {
    /// Linux's `O_PATH`, which Swift's Glibc module does not export.
    static let pathOnly: CInt = 0o10000000
    /// At most this many symbolic links are followed (the kernel's own limit).
    static let maximumLinks = 40

    /// Resolves `path`, runs `body` with the result, and closes the directory when `body` returns.
    ///
    /// - Throws: What `body` throws, or what ``walk(_:finalMayBeDirectory:)`` throws.
    static func withResolved<Result: ~Copyable>(
        _ path: FilePath, finalMayBeDirectory: Bool = false, _ body: (ResolvedPath) throws(HtpasswdError) -> Result
    ) throws(HtpasswdError) -> Result {
        let walked = try walk(path, finalMayBeDirectory: finalMayBeDirectory)
        return try body(walked.view)
    }

    /// Resolves `path` and runs `body` with the result, or with nil when it cannot be resolved (for a reader
    /// that lets the read itself say what is wrong).
    static func withResolvedIfPossible<Result: ~Copyable>(
        _ path: FilePath, _ body: (ResolvedPath?) throws(HtpasswdError) -> Result
    ) throws(HtpasswdError) -> Result {
        let walked: Walked
        do throws(HtpasswdError) { walked = try walk(path, finalMayBeDirectory: false) } catch { return try body(nil) }
        return try body(walked.view)
    }

    /// What the walk ends with: the directory's descriptor, owned, and the view handed to callers.
    struct Walked: ~Copyable {
        let directory: Descriptor
        let info: stat
        let name: FilePath.Component
        let path: FilePath
        let unreadable: Errno?

        var view: ResolvedPath {
            ResolvedPath(directory: directory.raw, directoryInfo: info, name: name, path: path, unreadable: unreadable)
        }
    }

    /// Walks `path` to the directory that holds its last component. A path whose last component is a
    /// directory is refused unless `finalMayBeDirectory` (for ``Placement``, which reports it).
    ///
    /// - Throws: ``HtpasswdError/unsafePath(path:at:refusal:)`` for a step the rules refuse;
    ///   ``HtpasswdError/fileSystem(_:)`` (``FileSystemError/Code/notFound``) when a directory on the way is missing;
    ///   ``HtpasswdError/fileSystem(_:)`` (``FileSystemError/Code/notRegularFile``) when the path names a directory; a system error otherwise.
    private static func walk(_ path: FilePath, finalMayBeDirectory: Bool) throws(HtpasswdError) -> Walked {
        guard !path.isEmpty else { throw .fileNotFound(path: path) }
        var pending = Array(path.components.reversed())
        var walked = FilePath(path.isAbsolute ? "/" : ".")
        // The directory reached so far, owned: replacing it closes the one before.
        var current = try openStart(path.isAbsolute ? "/" : ".", for: path)
        var currentInfo = try status(current.raw, at: walked)
        var links = 0
        while let component = pending.popLast() {
            switch component.kind {
            case .currentDirectory:
                continue
            case .parentDirectory:
                let parent = try open(component, in: current.raw, at: path, flags: O_DIRECTORY)
                let parentInfo = try status(parent.raw, at: path)
                // Going up out of someone else's directory into another's is a transition too.
                if let refusal = refusal(from: currentInfo, to: parentInfo) {
                    throw HtpasswdError.unsafePath(path: path, at: walked, refusal: refusal)
                }
                current = parent
                currentInfo = parentInfo
                walked = walked.lexicallyNormalized().removingLastComponent()
                if walked.isEmpty { walked = "." }
                continue
            case .regular:
                break
            }
            let here = walked.appending(component)
            let child: Descriptor
            do throws(HtpasswdError) {
                child = try open(component, in: current.raw, at: path, flags: 0)
            } catch {
                // A missing last component is a file to create; a missing directory is a missing file.
                if case .fileSystem(let failure) = error, failure.errno == .noSuchFileOrDirectory {
                    if pending.isEmpty { return try finish(current, currentInfo, component, here) }
                    throw HtpasswdError.fileNotFound(path: path, cause: failure)
                }
                throw error
            }
            let childInfo = try status(child.raw, at: path)
            if let refusal = refusal(from: currentInfo, to: childInfo) {
                throw HtpasswdError.unsafePath(path: path, at: here, refusal: refusal)
            }
            switch childInfo.st_mode & S_IFMT {
            case S_IFLNK:
                links += 1
                guard links <= maximumLinks else {
                    throw HtpasswdError.system(.readLink, path: here, errno: .tooManySymbolicLinkLevels)
                }
                // The kernel's protected_symlinks: in a sticky world-writable directory, only the caller's own
                // links and the directory owner's are followed.
                let mode = currentInfo.st_mode
                if mode & S_ISVTX != 0, mode & 0o002 != 0, childInfo.st_uid != geteuid(),
                    childInfo.st_uid != currentInfo.st_uid
                {
                    throw HtpasswdError.unsafePath(
                        path: path, at: here,
                        refusal: .protectedSymlink(linkOwner: childInfo.st_uid, directoryOwner: currentInfo.st_uid))
                }
                // A /proc "magic" link (/proc/PID/root, /proc/PID/cwd) leads to an object, not a path: the
                // kernel follows it; the rules above and the owner rule below still apply.
                if isProcLink(child.raw) {
                    let target = try open(component, in: current.raw, at: path, flags: O_DIRECTORY, following: true)
                    currentInfo = try checkedStep(from: childInfo, to: target.raw, path: path, at: here)
                    current = target
                    walked = here
                    if pending.isEmpty { throw HtpasswdError.notRegularFile(path: path) }
                    continue
                }
                let destination = try readLink(child.raw, at: path)
                pending.append(contentsOf: destination.components.reversed())
                if destination.isAbsolute {
                    let root = try openStart("/", for: path)
                    currentInfo = try checkedStep(from: childInfo, to: root.raw, path: path, at: here)
                    current = root
                    walked = "/"
                } else if let refusal = refusal(from: childInfo, to: currentInfo) {
                    throw HtpasswdError.unsafePath(path: path, at: here, refusal: refusal)
                }
            case S_IFDIR where !pending.isEmpty:
                current = child
                currentInfo = childInfo
                walked = here
            default:
                if pending.isEmpty {
                    if childInfo.st_mode & S_IFMT == S_IFDIR && !finalMayBeDirectory {
                        throw HtpasswdError.notRegularFile(path: path)
                    }
                    return try finish(current, currentInfo, component, here)
                }
                throw HtpasswdError.system(.open, path: path, errno: .notDirectory)
            }
        }
        // The path ends in a directory ("/", ".", "dir/..").
        throw HtpasswdError.notRegularFile(path: path)
    }

    /// Why the step from `from` (a directory or link) to `to` is refused; nil when it is safe: `from`
    /// belongs to root or the caller, or `to` has the same owner as `from`.
    static func refusal(from: stat, to: stat) -> PathRefusal? { refusal(from: from, toOwner: to.st_uid) }

    /// The status of `fd`, the object a link (`from`) leads to, if the owner rule lets the walk step there.
    private static func checkedStep(
        from link: stat, to fd: CInt, path: FilePath, at here: FilePath
    ) throws(HtpasswdError) -> stat {
        let info = try status(fd, at: path)
        if let refusal = refusal(from: link, to: info) {
            throw HtpasswdError.unsafePath(path: path, at: here, refusal: refusal)
        }
        return info
    }

    /// ``refusal(from:to:)`` for something owned by `owner`: also for a file about to be created, which
    /// would belong to the caller, so that root creates no file it would then refuse to edit.
    static func refusal(from: stat, toOwner owner: uid_t) -> PathRefusal? {
        guard from.st_uid != 0, from.st_uid != geteuid(), from.st_uid != owner else { return nil }
        return .unsafeTransition(fromOwner: from.st_uid, toOwner: owner)
    }

    /// Checks the last step, from the directory to the file as it was opened (it may have been swapped since
    /// the walk looked at it).
    static func checkTransition(from resolved: ResolvedPath, to info: stat, at path: FilePath) throws(HtpasswdError) {
        if let refusal = refusal(from: resolved.directoryInfo, to: info) {
            throw .unsafePath(path: path, at: resolved.path, refusal: refusal)
        }
    }

    /// The directory the walk ended in, reopened for reading where it may be (to sync it), and the name.
    private static func finish(
        _ directory: consuming Descriptor, _ info: stat, _ name: FilePath.Component, _ path: FilePath
    ) throws(HtpasswdError) -> Walked {
        do throws(SystemError) {
            let readable = try Syscall.open(in: directory.raw, ".", O_RDONLY | O_DIRECTORY)
            return Walked(directory: readable, info: info, name: name, path: path, unreadable: nil)
        } catch {
            // Searchable but not readable (mode 0711): enough to open the file; an edit that must sync the
            // directory then fails there (EBADF). Any other failure is one.
            guard error.errno == .permissionDenied || error.errno == .notPermitted else {
                throw error.at(path.split.directory)
            }
            return Walked(directory: directory, info: info, name: name, path: path, unreadable: error.errno)
        }
    }

    private static func openStart(_ start: FilePath, for path: FilePath) throws(HtpasswdError) -> Descriptor {
        do throws(SystemError) { return try Syscall.open(start, pathOnly | O_DIRECTORY) } catch {
            throw error.at(start)
        }
    }

    /// Errors name `path`, the whole path as the caller gave it.
    private static func open(
        _ component: FilePath.Component, in directory: CInt, at path: FilePath, flags: CInt, following: Bool = false
    ) throws(HtpasswdError) -> Descriptor {
        do throws(SystemError) {
            return try Syscall.open(in: directory, component, pathOnly | (following ? 0 : O_NOFOLLOW) | flags)
        } catch {
            throw error.at(path)
        }
    }

    /// Whether the link open as `fd` is in procfs, where links are the kernel's own.
    private static func isProcLink(_ fd: CInt) -> Bool { htpass_is_procfs(fd) == 1 }

    private static func status(_ fd: CInt, at path: FilePath) throws(HtpasswdError) -> stat {
        do throws(SystemError) { return try Syscall.fstat(fd) } catch { throw error.at(path) }
    }

    /// The target of the link open (`O_PATH | O_NOFOLLOW`) as `fd`.
    private static func readLink(_ fd: CInt, at path: FilePath) throws(HtpasswdError) -> FilePath {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = Glibc.readlinkat(fd, "", &buffer, buffer.count - 1)
        guard length >= 0 else { throw .system(.readLink, path: path, errno: Errno(rawValue: errno)) }
        guard length > 0 else { throw .system(.readLink, path: path, errno: .noSuchFileOrDirectory) }
        buffer[length] = 0
        return FilePath(platformString: Array(buffer[...length]))
    }
}

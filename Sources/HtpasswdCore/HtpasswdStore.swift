import Glibc

/// An htpasswd file on disk: lock-free reads, and edits that are locked, atomic and durable.
///
/// ```swift
/// let store = HtpasswdStore(path: "/etc/nginx/htpasswd")
/// try store.edit { file in file.setHash(hash, for: user) }
/// ```
///
/// An edit takes an exclusive lock on the file's directory (see ``FileLock``), reads the current file
/// under it, applies the change, and replaces the file with ``AtomicWriter``. Concurrent edits, from
/// threads or processes, are serialised and none is lost. Nothing is written when the change throws or
/// leaves the bytes as they were. A symbolic link is followed and its target replaced.
public struct HtpasswdStore: Sendable {
    /// The path as given.
    public let path: String
    /// How long an edit waits for another one to finish, in seconds.
    public var lockTimeout: Double

    public init(path: String, lockTimeout: Double = 10) {
        self.path = path
        self.lockTimeout = lockTimeout
    }

    /// What an edit does when the file is missing or present.
    public enum Creation: Equatable, Sendable {
        /// The file must exist (``HtpasswdError/fileNotFound(path:)`` otherwise).
        case mustExist
        /// Create the file if it is missing.
        case createIfMissing
        /// The file must not exist (``HtpasswdError/fileExists(path:)`` otherwise).
        case mustNotExist
        /// Start from an empty file whether or not it exists; an existing file keeps its mode and owner.
        case replace
    }

    /// Mode and group for a file that an edit creates. An existing file always keeps its own.
    public struct NewFileAttributes: Equatable, Sendable {
        public var mode: UInt32
        public var group: UInt32?

        /// - Parameters:
        ///   - mode: Permission bits; `0o640` by default: the owner writes, the web server's group reads.
        ///   - group: The group id, such as that of `www-data`; nil for the caller's group.
        public init(mode: UInt32 = 0o640, group: UInt32? = nil) {
            self.mode = mode
            self.group = group
        }
    }

    /// Reads and parses the file without taking the lock; a concurrent edit never makes it see a mix.
    ///
    /// - Throws: ``HtpasswdError/fileNotFound(path:)``, ``HtpasswdError/notRegularFile(path:)``,
    ///   or ``HtpasswdError/io(operation:path:errno:)``.
    public func read() throws(HtpasswdError) -> HtpasswdFile {
        guard let (bytes, _) = try readBytes(path) else { throw .fileNotFound(path: path) }
        return HtpasswdFile(bytes: bytes)
    }

    /// Edits the file under the lock and writes the result atomically.
    ///
    /// - Parameters:
    ///   - creation: What to do when the file is missing or present.
    ///   - attributes: Mode and group if the edit creates the file.
    ///   - change: Applies the edit to the current content; if it throws, nothing is written.
    /// - Returns: What `change` returned.
    /// - Throws: The error of `change`, or a file error; the file is then byte-for-byte as before.
    @discardableResult
    public func edit<Result>(
        creation: Creation = .mustExist, attributes: NewFileAttributes = NewFileAttributes(),
        _ change: (inout HtpasswdFile) throws(HtpasswdError) -> Result
    ) throws(HtpasswdError) -> Result {
        let target = try resolvedTarget()
        let (directory, name) = Self.split(target)
        return try FileLock.withExclusiveLock(on: directory, timeout: lockTimeout, lockedFile: path) {
            () throws(HtpasswdError) -> Result in
            let current = try readBytes(target)
            let existing = current?.bytes
            switch (creation, existing) {
            case (.mustExist, nil): throw .fileNotFound(path: path)
            case (.mustNotExist, .some): throw .fileExists(path: path)
            default: break
            }
            var file = creation == .replace ? HtpasswdFile() : HtpasswdFile(bytes: existing ?? [])
            let result = try change(&file)
            let contents = file.bytes
            if let existing, contents == existing { return result }

            let writeAttributes =
                if let info = current?.info {
                    AtomicWriter.Attributes(mode: info.st_mode & 0o7777, owner: info.st_uid, group: info.st_gid)
                } else {
                    AtomicWriter.Attributes(mode: mode_t(attributes.mode), owner: nil, group: attributes.group)
                }
            try AtomicWriter.replace(target, in: directory, name: name, with: contents, attributes: writeAttributes)
            return result
        }
    }

    // MARK: Paths

    /// The file an edit replaces: `path`, or the final target of a chain of symbolic links.
    func resolvedTarget() throws(HtpasswdError) -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            if lstat(current, &info) != 0 {
                if errno == ENOENT { return current }  // a new file, or a dangling link's target
                throw .io(operation: "look up", path: current, errno: errno)
            }
            guard info.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(current, &buffer, buffer.count - 1)
            guard length >= 0 else { throw .io(operation: "read the link", path: current, errno: errno) }
            let destination = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = destination.hasPrefix("/") ? destination : Self.split(current).directory + "/" + destination
        }
        throw .io(operation: "follow the links of", path: path, errno: ELOOP)
    }

    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// The bytes and status of the regular file at `target`, or nil if there is none.
    private func readBytes(_ target: String) throws(HtpasswdError) -> (bytes: [UInt8], info: stat)? {
        let fd: CInt
        do {
            fd = try Syscall.open(target, O_RDONLY | O_NONBLOCK)
        } catch {
            if error.errno == ENOENT { return nil }
            if error.errno == EISDIR { throw .notRegularFile(path: path) }
            throw error.at(path)
        }
        return try Syscall.closeAfter(fd) { (fd) throws(HtpasswdError) -> (bytes: [UInt8], info: stat) in
            let info: stat
            do throws(SystemError) { info = try Syscall.fstat(fd) } catch { throw error.at(path) }
            guard info.st_mode & S_IFMT == S_IFREG else { throw .notRegularFile(path: path) }
            do throws(SystemError) {
                return (try Syscall.readAll(fd, sizeHint: Int(info.st_size)), info)
            } catch {
                throw error.at(path)
            }
        }
    }
}

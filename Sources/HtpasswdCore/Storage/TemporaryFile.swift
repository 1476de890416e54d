import CLinux
import Glibc
import SystemPackage

/// A new file next to the htpasswd file, `.NAME.htpass-tmp.RANDOM`: the new content of an edit by rename,
/// the journal of an in-place edit before it gets its name, a new file before it gets its own.
///
/// It is created relative to the directory's descriptor with `O_CREAT | O_EXCL | O_NOFOLLOW` (nothing that
/// was there is ever opened), mode 0600, and its writer holds a write lock on it for as long as it lives:
/// an edit that finds an unlocked one knows its writer died, and removes it (``removeAbandoned(in:for:trusting:)``).
/// It owns its descriptor: ``close()`` closes it and removes the file unless it was placed
/// (``place(as:replacing:)``) or kept.
final class TemporaryFile {
    static let infix = ".htpass-tmp."

    let directory: CInt
    let name: FilePath.Component
    /// For messages.
    let path: FilePath
    /// The open file; nil once closed.
    private var file: Descriptor?
    /// The open file's descriptor, valid until ``close()``.
    let descriptor: CInt
    /// Whether the file has been given another name (or must stay: a journal past its commit point).
    var kept = false

    private init(directory: CInt, name: FilePath.Component, path: FilePath, file: consuming Descriptor) {
        self.directory = directory
        self.name = name
        self.path = path
        self.descriptor = file.raw
        self.file = consume file
    }

    /// Creates one for the file `target` in `resolved`'s directory.
    static func create(for resolved: ResolvedPath) throws(HtpasswdError) -> TemporaryFile {
        let directoryPath = resolved.path.split.directory
        for _ in 0..<8 {
            let suffix = try SecureRandom.string(
                count: 12, alphabet: Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8))
            let name = component(prefix: ".", resolved.name, suffix: infix, suffix)
            let path = directoryPath.appending(name)
            let fd = name.withPlatformString {
                openat(resolved.directory, $0, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            }
            if fd < 0 {
                if errno == EEXIST || errno == EINTR { continue }
                throw .system(.open, path: path, errno: Errno(rawValue: errno))
            }
            let file = TemporaryFile(
                directory: resolved.directory, name: name, path: path, file: Descriptor(adopting: fd))
            var request = flock()
            request.l_type = Int16(F_WRLCK)
            request.l_whence = Int16(SEEK_SET)
            if fcntl(fd, FileLock.setCommand, &request) != 0 {
                let code = errno
                file.close()
                throw .system(.lock, path: path, errno: Errno(rawValue: code))
            }
            return file
        }
        throw .system(.open, path: directoryPath, errno: .fileExists)
    }

    /// Gives the file the name `target` in its directory: over whatever is there (`renameat`), or only if
    /// nothing is (`renameat2` with `RENAME_NOREPLACE`; where the file system cannot, `linkat` and then the
    /// temporary name is removed). Returns false if `target` exists and `replacing` is false.
    func place(as target: FilePath.Component, replacing: Bool) throws(SystemError) -> Bool {
        let result = name.withPlatformString { from in
            target.withPlatformString { to in
                replacing
                    ? renameat(directory, from, directory, to) : htpass_rename_noreplace(directory, from, directory, to)
            }
        }
        if result == 0 {
            kept = true
            return true
        }
        if !replacing && errno == EEXIST { return false }
        guard !replacing, errno == EINVAL || errno == ENOSYS else {
            throw SystemError(replacing ? .rename : .link, errno: errno)
        }
        let linked = name.withPlatformString { from in
            target.withPlatformString { to in linkat(directory, from, directory, to, 0) }
        }
        if linked != 0 {
            if errno == EEXIST { return false }
            throw SystemError(.link, errno: errno)
        }
        kept = true
        // Two names for a moment; if this one stays, the next edit removes it (no writer holds it).
        _ = name.withPlatformString { unlinkat(directory, $0, 0) }
        return true
    }

    /// Closes the descriptor (releasing the lock) and, unless the file was placed or kept, removes it.
    func close() {
        guard let file = file.take() else { return }
        file.close()
        if !kept { _ = name.withPlatformString { unlinkat(directory, $0, 0) } }
    }

    deinit { close() }

    /// Removes the temporary files of writers that died editing `resolved`'s file: those named
    /// `.NAME.htpass-tmp.*`, regular, owned by a user `trusting` accepts, and locked by nobody. Best effort:
    /// what cannot be examined stays.
    static func removeAbandoned(in resolved: ResolvedPath, trusting: (uid_t) -> Bool) {
        let prefix = component(prefix: ".", resolved.name, suffix: infix, []).string
        // A descriptor of its own for the listing (its offset is the stream's); `closedir` closes it.
        guard let listing = try? Syscall.open(in: resolved.directory, ".", O_RDONLY | O_DIRECTORY) else { return }
        guard let stream = fdopendir(listing.raw) else { return }
        _ = listing.handOver()
        defer { closedir(stream) }
        var names: [FilePath.Component] = []
        while let entry = readdir(stream) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            guard bytes.count > prefix.utf8.count, bytes.starts(with: prefix.utf8),
                let name = FilePath.Component(platformString: bytes.map { CChar(bitPattern: $0) } + [0])
            else { continue }
            names.append(name)
        }
        for name in names {
            guard let file = try? Syscall.open(in: resolved.directory, name, O_RDWR | O_NOFOLLOW | O_NONBLOCK) else {
                continue
            }
            var info = stat()
            guard fstat(file.raw, &info) == 0, info.st_mode & S_IFMT == S_IFREG, trusting(info.st_uid) else { continue }
            var query = flock()
            query.l_type = Int16(F_WRLCK)
            query.l_whence = Int16(SEEK_SET)
            guard fcntl(file.raw, FileLock.getCommand, &query) == 0, query.l_type == Int16(F_UNLCK) else { continue }
            // Still the same file under the name (only a program that ignores the locks swaps it).
            guard let now = try? Syscall.lstat(in: resolved.directory, name), FileID(now) == FileID(info) else {
                continue
            }
            _ = name.withPlatformString { unlinkat(resolved.directory, $0, 0) }
        }
    }

    /// `PREFIX` + `name` + `suffix` + `tail`, one component.
    static func component(
        prefix: String, _ name: FilePath.Component, suffix: String, _ tail: [UInt8]
    ) -> FilePath.Component {
        var bytes = Array(prefix.utf8)
        name.withPlatformString { pointer in
            bytes += UnsafeBufferPointer(start: pointer, count: strlen(pointer)).map { UInt8(bitPattern: $0) }
        }
        bytes += Array(suffix.utf8) + tail
        return FilePath.Component(platformString: bytes.map { CChar(bitPattern: $0) } + [0])!
    }
}

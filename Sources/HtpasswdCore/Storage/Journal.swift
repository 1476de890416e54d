import CLinux
import Glibc
import SystemPackage

/// The journal of an edit written in place: a complete, synced copy of the new content, kept next to the
/// file as `.NAME.htpass-journal` while the file itself is overwritten.
///
/// An in-place edit
/// 1. marks the file's inode with an extended attribute, `user.htpass.journal`, naming the journal (its
///    mount namespace, a random token, its path);
/// 2. writes the new content to `.NAME.htpass-tmp`, syncs it, and renames it to the journal's name — the
///    commit point: a journal under that name is always complete — and syncs the directory;
/// 3. overwrites the file from the first changed byte, truncates it, syncs it;
/// 4. removes the journal, syncs the directory, and removes the mark.
///
/// If the writer dies (SIGKILL, power loss) after the commit point, the file may be neither old nor new;
/// the next htpass run on the file, whatever its command, finds the mark and finishes the write ("rolls
/// forward") before anything else. Before the commit point the file was not touched: the next run removes
/// the mark and the temporary file.
///
/// The mark lives on the inode, so every path to the file sees it: another hard link, and the same file
/// bind-mounted into a container, whose htpass writes its journal in the container's directory. Any run
/// that can reach the journal the mark names (same token, same inode) finishes the edit — a restarted
/// container too, since its directory survives. A run that cannot reach it (the host, for a container's
/// journal) refuses to edit (``HtpasswdError/interruptedEditElsewhere(path:journal:)``) rather than write
/// over content that would then be rolled back; it clears a mark only when the mark names its own journal
/// path and that journal is not there (the edit never reached its commit point). On a file system without extended attributes (rare: ext4, XFS, btrfs and
/// tmpfs since Linux 6.6 have them), the journal is found by its name next to the file only.
enum Journal {
    static let headerSize = 256
    static let magic = "htpass-journal 2"
    static let markName = "user.htpass.journal"

    struct Header: Equatable {
        var device: UInt64
        var inode: UInt64
        /// The size of the new content.
        var size: Int
        /// The first byte of the content that differs from the file's old content.
        var firstChange: Int
        /// Whether the inode was marked (see ``Mark``); false where extended attributes are unsupported.
        var marked: Bool
        var token: String
    }

    /// The extended attribute on the file during an in-place edit.
    struct Mark: Equatable {
        /// The mount namespace of the writer (its inode in `/proc/self/ns/mnt`), 0 if unknown.
        var namespace: UInt64
        var token: String
        /// The journal's absolute path, in the writer's mount namespace.
        var journal: FilePath

        var bytes: [UInt8] { Array("v1 \(namespace) \(token) ".utf8) + journal.bytes }

        init(namespace: UInt64, token: String, journal: FilePath) {
            self.namespace = namespace
            self.token = token
            self.journal = journal
        }

        init?(_ bytes: [UInt8]) {
            let fields = bytes.split(separator: UInt8(ascii: " "), maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count == 4, fields[0].elementsEqual("v1".utf8),
                let namespace = UInt64(String(decoding: fields[1], as: UTF8.self)), !fields[3].isEmpty
            else { return nil }
            self.namespace = namespace
            token = String(decoding: fields[2], as: UTF8.self)
            journal = FilePath(bytes: fields[3])
        }
    }

    static func path(for target: FilePath) -> FilePath { target.sibling(prefix: ".", suffix: ".htpass-journal") }

    static func temporaryPath(for target: FilePath) -> FilePath {
        target.sibling(prefix: ".", suffix: ".htpass-tmp")
    }

    static func encode(_ header: Header) -> [UInt8] {
        var text = Array(
            "\(magic) \(header.device) \(header.inode) \(header.size) \(header.firstChange) \(header.marked ? 1 : 0) \(header.token)"
                .utf8)
        text += [UInt8](repeating: UInt8(ascii: " "), count: headerSize - 1 - text.count)
        text.append(0x0A)
        return text
    }

    static func decode(_ bytes: [UInt8]) -> Header? {
        guard bytes.count == headerSize, bytes.last == 0x0A else { return nil }
        let fields = bytes.dropLast().split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
        guard fields.count == 8, fields[0] + " " + fields[1] == magic, let device = UInt64(fields[2]),
            let inode = UInt64(fields[3]), let size = Int(fields[4]), let first = Int(fields[5]),
            size >= 0, first >= 0, first <= size, fields[6] == "0" || fields[6] == "1"
        else { return nil }
        return Header(
            device: device, inode: inode, size: size, firstChange: first, marked: fields[6] == "1", token: fields[7])
    }

    /// The mark on the open file `fd`, or nil.
    static func mark(of fd: CInt) -> Mark? { try? readMark(fd) }

    /// The mark on the open file `fd`; nil if it has none. Throws when the attribute cannot be read (the
    /// mark may then be there), and ENOTSUP or EOPNOTSUPP where the file system has no extended attributes.
    static func readMark(_ fd: CInt) throws(SystemError) -> Mark? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 64)
        while true {
            let count = buffer.withUnsafeMutableBytes { htpass_fgetxattr(fd, markName, $0.baseAddress, $0.count) }
            if count >= 0 { return count == 0 ? nil : Mark(Array(buffer[..<count])) }
            if errno == EINTR { continue }
            // ERANGE: longer than any mark we write, so not ours.
            if errno == ENODATA || errno == ERANGE { return nil }
            throw SystemError(.read, errno: errno)
        }
    }

    /// The writer's mount namespace, for the mark.
    static var ownNamespace: UInt64 { Namespaces.mountNamespace(of: "self") ?? 0 }

    // MARK: Writing

    /// The in-place write of the content in `temporary` (open read-write as `temporaryFD`, the content
    /// after ``headerSize`` bytes) over `target` (open as `targetFD`, locked).
    static func commit(
        temporaryFD: CInt, temporary: FilePath, size: Int, firstChange: Int, target: FilePath, targetFD: CInt
    ) throws(HtpasswdError) {
        let journalPath = path(for: target)
        let directory = target.split.directory
        let info: stat
        do throws(SystemError) { info = try Syscall.fstat(targetFD) } catch { throw error.at(target) }
        let token =
            (try? SecureRandom.string(count: 16, alphabet: Array("0123456789abcdef".utf8)))
            .map { String(decoding: $0, as: UTF8.self) } ?? "0"
        let absoluteJournal = Placement.realPath(directory).map { $0.appending(journalPath.lastComponent!) }
        // 1. The mark, so that every path to the inode knows an edit is under way.
        var marked = false
        if let absoluteJournal {
            let mark = Mark(namespace: ownNamespace, token: token, journal: absoluteJournal).bytes
            if mark.withUnsafeBytes({ htpass_fsetxattr(targetFD, markName, $0.baseAddress, $0.count) }) == 0 {
                marked = true
            } else if errno != ENOTSUP && errno != EOPNOTSUPP {
                throw .system(.setAttribute, path: target, errno: Errno(rawValue: errno))
            }
        }
        // 2. The journal, complete and durable under its name.
        let header = Header(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: size, firstChange: firstChange,
            marked: marked, token: token)
        do throws(SystemError) {
            try encode(header).withBuffer { (raw) throws(SystemError) in
                try Syscall.pwriteAll(temporaryFD, UnsafeRawBufferPointer(raw), at: 0)
            }
            try Syscall.fsync(temporaryFD)
            try Syscall.rename(temporary, journalPath)
        } catch {
            throw error.at(error.call == .rename ? journalPath : temporary)
        }
        try Syscall.syncDirectory(directory)
        // 3. The file. From here on, the next run finishes the edit if this one does not.
        try copy(from: temporaryFD, header, journalPath: journalPath, onto: target)
        // 4. Done: the journal, then the mark.
        try finish(journalPath: journalPath, target: target, targetFD: targetFD, marked: marked)
    }

    /// Writes the journal's content over `target` from the first change, truncates it, and syncs it.
    private static func copy(
        from journal: CInt, _ header: Header, journalPath: FilePath, onto target: FilePath
    ) throws(HtpasswdError) {
        let fd: CInt
        do throws(SystemError) {
            fd = try Syscall.open(target, O_WRONLY | O_NOFOLLOW | O_NONBLOCK)
        } catch {
            throw error.at(target)
        }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { scratch.deallocate() }
        try Syscall.closeAfter(fd) { (fd) throws(HtpasswdError) in
            do throws(SystemError) {
                if lseek(fd, off_t(header.firstChange), SEEK_SET) < 0 { throw SystemError(.write, errno: errno) }
                try Syscall.copy(
                    from: journal, offset: headerSize + header.firstChange, count: header.size - header.firstChange,
                    to: fd, scratch: scratch)
                try Syscall.ftruncate(fd, header.size)
                try Syscall.fsync(fd)
            } catch {
                throw error.call == .read ? error.at(journalPath) : error.at(target)
            }
        }
    }

    private static func finish(journalPath: FilePath, target: FilePath, targetFD: CInt, marked: Bool)
        throws(HtpasswdError)
    {
        do throws(SystemError) { try Syscall.removeIfPresent(journalPath) } catch { throw error.at(journalPath) }
        try Syscall.syncDirectory(journalPath.split.directory)
        if marked { try removeMark(targetFD, target) }
    }

    private static func removeMark(_ fd: CInt, _ target: FilePath) throws(HtpasswdError) {
        if htpass_fremovexattr(fd, markName) != 0 && errno != ENODATA {
            throw .system(.setAttribute, path: target, errno: Errno(rawValue: errno))
        }
    }

    // MARK: Recovery

    /// What ``recover(_:targetFD:)`` found and did.
    enum Found: Equatable {
        /// A complete journal, written over the file.
        case rolledForward
        /// A journal that does not belong to the file as it is now, removed.
        case discardedStale
        /// A mark whose journal was never committed or already removed, cleared.
        case clearedMark
        /// A temporary file from a writer that died before its commit point, removed.
        case removedTemporary
    }

    /// Whether an edit of `target` may be unfinished: a journal or temporary file next to it, or a mark
    /// on it. Cheap (two `lstat`s and a `getxattr`), and without the lock.
    static func pending(for target: FilePath, fd: CInt?) -> Bool {
        var info = stat()
        if path(for: target).withPlatformString({ lstat($0, &info) }) == 0 { return true }
        if temporaryPath(for: target).withPlatformString({ lstat($0, &info) }) == 0 { return true }
        // A mark that cannot be read may be there: recovery then says why it cannot proceed.
        if let fd {
            do throws(SystemError) { return try readMark(fd) != nil } catch {
                return !unsupported(error)
            }
        }
        return false
    }

    /// Finishes an interrupted in-place edit of `target` (open as `targetFD`, nil if missing), and removes
    /// a dead writer's temporary file. The caller holds the directory lock and the file's lock.
    ///
    /// - Throws: ``HtpasswdError/interruptedEditElsewhere(path:journal:)`` for a mark left in another
    ///   mount namespace; a file error.
    static func recover(_ target: FilePath, targetFD: CInt?) throws(HtpasswdError) -> [Found] {
        var found: [Found] = []
        let temporary = temporaryPath(for: target)
        do throws(SystemError) {
            if try Syscall.lstat(temporary) != nil {
                try Syscall.removeIfPresent(temporary)
                found.append(.removedTemporary)
            }
        } catch {
            throw error.at(temporary)
        }
        let ownJournal = path(for: target)

        // A mark, journal or inode that cannot be read is an error, never taken for absent: that would
        // discard a complete journal and leave the file half-written.
        var mark: Mark?
        var marksUnsupported = false
        do throws(SystemError) { mark = try targetFD.flatMap(readMark) } catch {
            guard unsupported(error) else { throw error.at(target) }
            marksUnsupported = true
        }
        if let targetFD, let mark {
            let opened = try openJournal(mark.journal)
            if let (journal, header) = opened, header.token == mark.token, try sameInode(header, targetFD, target) {
                // The journal is reachable from here (this mount namespace, or a restarted container that
                // sees the same directory): finish the edit, whoever started it.
                try Syscall.closeAfter(journal) { (journal) throws(HtpasswdError) in
                    try copy(from: journal, header, journalPath: mark.journal, onto: target)
                }
                try finish(journalPath: mark.journal, target: target, targetFD: targetFD, marked: true)
                found.append(.rolledForward)
            } else if let own = Placement.realPath(ownJournal.split.directory).map({
                $0.appending(ownJournal.lastComponent!)
            }),
                own == mark.journal
            {
                // The mark names our own journal, which is not there: the edit never reached its commit
                // point (the file was not touched), or it was finished but for the mark.
                if let (journal, _) = opened { close(journal) }
                try removeMark(targetFD, target)
                found.append(.clearedMark)
            } else {
                // Another view of the file (a container, the host) holds the journal: only it can finish.
                if let (journal, _) = opened { close(journal) }
                throw .interruptedEditElsewhere(path: target, journal: mark.journal)
            }
        }

        // A journal by name: unmarked (no extended attributes where it was written), or stale.
        guard let (journal, header) = try openJournal(ownJournal) else {
            if (try? Syscall.lstat(ownJournal)) != nil { try discard(ownJournal, &found) }
            return found
        }
        // A marked journal whose mark cannot be seen here (no extended attributes now) is rolled forward
        // as an unmarked one.
        var rollForward = false
        if !header.marked || marksUnsupported, let targetFD {
            do throws(HtpasswdError) { rollForward = try sameInode(header, targetFD, target) } catch {
                close(journal)
                throw error
            }
        }
        if rollForward {
            try Syscall.closeAfter(journal) { (journal) throws(HtpasswdError) in
                try copy(from: journal, header, journalPath: ownJournal, onto: target)
            }
            try finish(journalPath: ownJournal, target: target, targetFD: targetFD!, marked: false)
            found.append(.rolledForward)
        } else {
            close(journal)
            try discard(ownJournal, &found)
        }
        return found
    }

    private static func unsupported(_ error: SystemError) -> Bool {
        error.errno.rawValue == ENOTSUP || error.errno.rawValue == EOPNOTSUPP
    }

    private static func sameInode(_ header: Header, _ fd: CInt) -> Bool {
        var info = stat()
        return fstat(fd, &info) == 0 && header.device == UInt64(info.st_dev) && header.inode == UInt64(info.st_ino)
    }

    /// ``sameInode(_:_:)`` for recovery, where a failed `fstat` must not pass for another file.
    private static func sameInode(_ header: Header, _ fd: CInt, _ target: FilePath) throws(HtpasswdError) -> Bool {
        let info: stat
        do throws(SystemError) { info = try Syscall.fstat(fd) } catch { throw error.at(target) }
        return header.device == UInt64(info.st_dev) && header.inode == UInt64(info.st_ino)
    }

    /// The journal at `path`, open, with its header; nil if there is none, or what is there is not a
    /// journal (one under its name is complete, header first).
    ///
    /// - Throws: When it is there but cannot be opened or read.
    private static func openJournal(_ path: FilePath) throws(HtpasswdError) -> (CInt, Header)? {
        let fd: CInt
        do throws(SystemError) { fd = try Syscall.open(path, O_RDONLY | O_NOFOLLOW) } catch {
            // Missing, or a symbolic link or a path through a non-directory: no journal of ours.
            if [ENOENT, ENOTDIR, ELOOP].contains(error.errno.rawValue) { return nil }
            throw error.at(path)
        }
        var bytes = [UInt8](repeating: 0, count: headerSize)
        var read: Int
        repeat {
            read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, headerSize, 0) }
        } while read < 0 && errno == EINTR
        if read < 0 {
            let code = errno
            close(fd)
            throw .system(.read, path: path, errno: Errno(rawValue: code))
        }
        guard read == headerSize, let header = decode(bytes) else {
            close(fd)
            return nil
        }
        return (fd, header)
    }

    private static func discard(_ journalPath: FilePath, _ found: inout [Found]) throws(HtpasswdError) {
        do throws(SystemError) { try Syscall.removeIfPresent(journalPath) } catch { throw error.at(journalPath) }
        try Syscall.syncDirectory(journalPath.split.directory)
        found.append(.discardedStale)
    }

    /// The complete new content of an interrupted edit of `target` (open as `targetFD`), for a reader
    /// that may not finish the edit itself: an open descriptor positioned at the content, and its size;
    /// nil if there is no such journal.
    static func openContent(for target: FilePath, targetFD: CInt) -> (CInt, Int)? {
        let candidates = [mark(of: targetFD)?.journal, path(for: target)].compactMap { $0 }
        for candidate in candidates {
            guard let (fd, header) = try? openJournal(candidate) else { continue }
            if sameInode(header, targetFD), lseek(fd, off_t(headerSize), SEEK_SET) == off_t(headerSize) {
                return (fd, header.size)
            }
            close(fd)
        }
        return nil
    }
}

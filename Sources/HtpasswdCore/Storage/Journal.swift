import CLinux
import Glibc
import SystemPackage

/// The journal of an edit written in place: a complete, synced copy of the new content, kept next to the
/// file as `.NAME.htpass-journal` while the file itself is overwritten.
///
/// An in-place edit, once its new content is in `.NAME.htpass-tmp` (after room for a header),
/// 1. opens the file for writing and reserves the room the new content needs (`fallocate`, where the
///    file system can), so that the usual failures (no space, a lease) come before anything is marked;
/// 2. marks the file's inode with an extended attribute, `user.htpass.journal`, saying *pending* and naming
///    the journal (its mount namespace, its directory's device and inode, a random token, its path), and
///    syncs the file so that the mark outlasts a power cut;
/// 3. writes the header into the temporary file, syncs it, and renames it to the journal's name — the
///    commit point: a journal under that name is always complete — and syncs the directory;
/// 4. turns the mark to *committed* and syncs the file; only then overwrites the file from the first
///    changed byte, truncates it, syncs it;
/// 5. removes the journal, syncs the directory, and removes the mark.
///
/// A failure before the commit point removes the mark and leaves the file untouched. A failure writing the
/// file is retried once; if it fails again the edit throws ``HtpasswdError/editPending(path:journal:failure:)``:
/// the journal is complete, and the next run finishes the edit. If the writer dies (SIGKILL, power loss)
/// after the commit point, the file may be neither old nor new; the next htpass run on the file, whatever
/// its command, finds the mark and finishes the write ("rolls forward") before anything else.
///
/// The mark lives on the inode, so every path to the file sees it: another hard link, and the same file
/// bind-mounted into a container, whose htpass writes its journal in the container's directory. Any run
/// that can reach the journal the mark names (same token, same inode) finishes the edit — a restarted
/// container too, since its directory survives. A *pending* mark whose journal is not within reach is
/// cleared by any run: the file was not written under it (a journal elsewhere is discarded there later,
/// since no mark names it). A *committed* mark whose journal is not within reach is cleared only by a run
/// that knows it looked in the journal's very directory — the directory's device and inode, recorded in
/// the mark, are those of its own directory or of the directory the mark's path leads to: a path alone can
/// name another directory in another mount namespace (a container that mounts the file at the host's
/// path), and a device number names one mount, never a sibling container's. Any other run refuses to edit
/// (``HtpasswdError/interruptedEditElsewhere(path:journal:)``) rather than write over a torn file. On a file
/// system without extended attributes (rare: ext4, XFS, btrfs and tmpfs since Linux 6.6 have them), the
/// journal is found by its name next to the file only.
///
/// The mark can be set by anyone who may write the file, so the journal it names is opened with care: its
/// directory first, then the journal in it without following a link and without blocking (a FIFO); a
/// regular file with a journal's header is used only if its owner is the file's owner, this process's
/// user, root, or a user the file's mode lets write it, and is otherwise left alone with an error
/// (``HtpasswdError/untrustedJournal(path:journal:owner:)``); it is removed through the directory's
/// descriptor.
enum Journal {
    static let headerSize = 256
    static let magic = "htpass-journal 2"
    static let markName = "user.htpass.journal"
    static let suffix = ".htpass-journal"

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

    /// The extended attribute on the file during an in-place edit:
    /// `v2 STATE NAMESPACE DEVICE INODE TOKEN PATH`, STATE `pending` until the journal is complete under its
    /// name and the file is about to be written, then `committed` (`v1 NAMESPACE TOKEN PATH` from earlier
    /// versions, always taken as committed).
    struct Mark: Equatable {
        /// Whether the file may have been written: false until the journal is complete and durable.
        var committed: Bool
        /// The mount namespace of the writer (its inode in `/proc/self/ns/mnt`), 0 if unknown. It decides
        /// only for a v1 mark; in a v2 mark it tells a person reading the attribute which container wrote it.
        var namespace: UInt64
        /// The device and inode of the journal's directory; nil in a v1 mark.
        var directory: FileID?
        var token: String
        /// The journal's absolute path, in the writer's mount namespace.
        var journal: FilePath

        var bytes: [UInt8] {
            let head =
                if let directory {
                    "v2 \(committed ? "committed" : "pending") \(namespace) \(directory.device) \(directory.inode) \(token) "
                } else {
                    "v1 \(namespace) \(token) "
                }
            return Array(head.utf8) + journal.bytes
        }

        init(committed: Bool, namespace: UInt64, directory: FileID?, token: String, journal: FilePath) {
            self.committed = committed
            self.namespace = namespace
            self.directory = directory
            self.token = token
            self.journal = journal
        }

        init?(_ bytes: [UInt8]) {
            let space = UInt8(ascii: " ")
            func number(_ field: ArraySlice<UInt8>) -> UInt64? { UInt64(String(decoding: field, as: UTF8.self)) }
            if bytes.starts(with: "v2 ".utf8) {
                let fields = bytes.split(separator: space, maxSplits: 6, omittingEmptySubsequences: false)
                let state = fields.count == 7 ? String(decoding: fields[1], as: UTF8.self) : ""
                guard fields.count == 7, state == "pending" || state == "committed",
                    let namespace = number(fields[2]), let device = number(fields[3]), let inode = number(fields[4]),
                    !fields[5].isEmpty, !fields[6].isEmpty
                else { return nil }
                self.init(
                    committed: state == "committed", namespace: namespace,
                    directory: FileID(device: device, inode: inode), token: String(decoding: fields[5], as: UTF8.self),
                    journal: FilePath(bytes: fields[6]))
            } else if bytes.starts(with: "v1 ".utf8) {
                let fields = bytes.split(separator: space, maxSplits: 3, omittingEmptySubsequences: false)
                guard fields.count == 4, let namespace = number(fields[1]), !fields[2].isEmpty, !fields[3].isEmpty
                else { return nil }
                self.init(
                    committed: true, namespace: namespace, directory: nil,
                    token: String(decoding: fields[2], as: UTF8.self), journal: FilePath(bytes: fields[3]))
            } else {
                return nil
            }
        }
    }

    static func path(for target: FilePath) -> FilePath { target.sibling(prefix: ".", suffix: suffix) }

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
    /// mark may then be there), ENOTSUP or EOPNOTSUPP where the file system has no extended attributes, and
    /// EBADMSG for an attribute under the mark's name that is not a mark this version reads (one written by
    /// a later version): that edit may be unfinished, so it is never taken for no mark.
    static func readMark(_ fd: CInt) throws(SystemError) -> Mark? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 128)
        while true {
            let count = buffer.withUnsafeMutableBytes { htpass_fgetxattr(fd, markName, $0.baseAddress, $0.count) }
            if count >= 0 {
                guard let mark = Mark(Array(buffer[..<count])) else {
                    throw SystemError(.readAttribute, errno: EBADMSG)
                }
                return mark
            }
            if errno == EINTR { continue }
            if errno == ENODATA { return nil }
            // ERANGE: longer than any mark this version writes.
            if errno == ERANGE { throw SystemError(.readAttribute, errno: EBADMSG) }
            throw SystemError(.readAttribute, errno: errno)
        }
    }

    /// The writer's mount namespace, for the mark.
    static var ownNamespace: UInt64 { Namespaces.mountNamespace(of: "self") ?? 0 }

    // MARK: Writing

    /// The in-place write of the content in `temporary` (open read-write as `temporaryFD`, the content
    /// after ``headerSize`` bytes) over `target` (open as `targetFD`, locked).
    ///
    /// - Throws: Before the commit point, the failure (the file untouched, no mark left); after it,
    ///   ``HtpasswdError/editPending(path:journal:failure:)``.
    static func commit(
        temporaryFD: CInt, temporary: FilePath, size: Int, firstChange: Int, target: FilePath, targetFD: CInt
    ) throws(HtpasswdError) {
        let journalPath = path(for: target)
        let journalName = journalPath.lastComponent!
        let directory = target.split.directory
        let info: stat
        do throws(SystemError) { info = try Syscall.fstat(targetFD) } catch { throw error.at(target) }
        let (directoryFD, directoryID) = try openDirectory(directory)
        defer { close(directoryFD) }

        // 1. The file, open for writing, and room for the new content, before anything is marked.
        let writeFD = try openForWriting(target, as: info)
        defer { close(writeFD) }
        if size > Int(info.st_size) {
            do throws(SystemError) { try reserve(writeFD, size) } catch { throw error.at(target) }
        }

        // 2. The mark, pending, so that every path to the inode knows an edit is under way; synced, since
        //    recovery after a power cut relies on it.
        let token =
            (try? SecureRandom.string(count: 16, alphabet: Array("0123456789abcdef".utf8)))
            .map { String(decoding: $0, as: UTF8.self) } ?? "0"
        var mark: Mark?
        if let absoluteJournal = Placement.realPath(directory).map({ $0.appending(journalName) }) {
            let pending = Mark(
                committed: false, namespace: ownNamespace, directory: directoryID, token: token,
                journal: absoluteJournal)
            do throws(SystemError) {
                try setMark(pending, on: targetFD)
                mark = pending
            } catch {
                if !unsupported(error) { throw error.at(target) }
            }
        }
        let marked = mark != nil

        // 3. The journal, complete and durable under its name: the commit point.
        let header = Header(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: size, firstChange: firstChange,
            marked: marked, token: token)
        do throws(HtpasswdError) {
            if marked {
                do throws(SystemError) { try Syscall.fsync(writeFD) } catch { throw error.at(target) }
            }
            do throws(SystemError) {
                try encode(header).withBuffer { (raw) throws(SystemError) in
                    try Syscall.pwriteAll(temporaryFD, UnsafeRawBufferPointer(raw), at: 0)
                }
                try Syscall.fsync(temporaryFD)
                try Syscall.rename(temporary, journalPath)
            } catch {
                throw error.at(error.call == .rename ? journalPath : temporary)
            }
        } catch {
            // The file was not touched: no mark may make another view of it wait for a journal that never was.
            if marked { _ = htpass_fremovexattr(targetFD, markName) }
            throw error
        }

        // 4, 5. The file, then the journal and the mark. From here on the edit will be finished.
        try complete(
            journalFD: temporaryFD, header: header, directoryFD: directoryFD, name: journalName,
            journalPath: journalPath, target: target, targetFD: targetFD, writeFD: writeFD, mark: mark)
    }

    /// `directory`, open, and its device and inode.
    private static func openDirectory(_ directory: FilePath) throws(HtpasswdError) -> (CInt, FileID) {
        do throws(SystemError) {
            let fd = try Syscall.open(directory, O_RDONLY | O_DIRECTORY)
            do throws(SystemError) { return (fd, FileID(try Syscall.fstat(fd))) } catch {
                close(fd)
                throw error
            }
        } catch {
            throw error.at(directory)
        }
    }

    /// Sets `mark` on the open file `fd`.
    private static func setMark(_ mark: Mark, on fd: CInt) throws(SystemError) {
        let bytes = mark.bytes
        while bytes.withUnsafeBytes({ htpass_fsetxattr(fd, markName, $0.baseAddress, $0.count) }) != 0 {
            if errno == EINTR { continue }
            throw SystemError(.setAttribute, errno: errno)
        }
    }

    /// Opens `target` for writing, without blocking on a lease or following a link, and checks that it is
    /// still the file `info` describes (open and locked by the caller): a program that ignores the locks
    /// may have replaced it by rename since, and the journal names the inode it describes.
    private static func openForWriting(_ target: FilePath, as info: stat) throws(HtpasswdError) -> CInt {
        do throws(SystemError) {
            let fd = try Syscall.open(target, O_WRONLY | O_NOFOLLOW | O_NONBLOCK)
            do throws(SystemError) {
                guard FileID(try Syscall.fstat(fd)) == FileID(info) else { throw SystemError(.open, errno: ESTALE) }
            } catch {
                close(fd)
                throw error
            }
            return fd
        } catch {
            throw error.at(target)
        }
    }

    /// Reserves the blocks of the first `size` bytes of `fd` without changing its size, where the file
    /// system can: a full disk or quota then fails here, before the file is marked.
    private static func reserve(_ fd: CInt, _ size: Int) throws(SystemError) {
        while htpass_reserve(fd, 0, Int64(size)) != 0 {
            if errno == EINTR { continue }
            if errno == EOPNOTSUPP || errno == ENOSYS { return }
            throw SystemError(.allocate, errno: errno)
        }
    }

    /// Finishes an edit past its commit point: syncs the journal's directory (so that its name is durable
    /// before the file is touched), turns a pending `mark` to committed and syncs the file (from then on,
    /// only a run that can reach the journal or knows it is gone may clear the mark), writes the journal's
    /// content over the file (tried twice), then cleans up: removes the journal, syncs the directory,
    /// removes the mark and syncs the file.
    ///
    /// The clean-up cannot fail the edit: the file holds the new content, synced. A journal left behind is
    /// rolled forward again by the next run (the same bytes) or discarded; a mark left behind is cleared by
    /// the next run that can look in the journal's directory.
    ///
    /// - Throws: ``HtpasswdError/editPending(path:journal:failure:)`` when the content cannot be written.
    private static func complete(
        journalFD: CInt, header: Header, directoryFD: CInt, name: FilePath.Component, journalPath: FilePath,
        target: FilePath, targetFD: CInt, writeFD: CInt, mark: Mark?
    ) throws(HtpasswdError) {
        let directory = journalPath.split.directory
        func pending(_ failure: HtpasswdError) -> HtpasswdError {
            .editPending(path: target, journal: journalPath, failure: failure)
        }
        // No second try here: after a failed sync, the kernel may report the next one as a success.
        do throws(SystemError) { try Syscall.syncDirectory(fd: directoryFD) } catch {
            throw pending(error.at(directory))
        }
        if var committed = mark, !committed.committed {
            committed.committed = true
            // Also no second try of the sync: the file is untouched until it succeeds.
            do throws(SystemError) {
                do throws(SystemError) { try setMark(committed, on: targetFD) } catch {
                    try setMark(committed, on: targetFD)
                }
                try Syscall.fsync(writeFD)
            } catch {
                throw pending(error.at(target))
            }
        }
        try twice(pending) { () throws(HtpasswdError) in
            do throws(SystemError) {
                try writeContent(from: journalFD, header, into: writeFD)
            } catch {
                throw error.call == .read ? error.at(journalPath) : error.at(target)
            }
        }
        // Clean-up. The journal goes first: a mark without its journal is cleared, a journal without its
        // mark discarded. Each removal is tried twice; if the journal stays, so does the mark.
        var removed = (try? Syscall.remove(in: directoryFD, name)) != nil
        if !removed { removed = (try? Syscall.remove(in: directoryFD, name)) != nil }
        guard removed else { return }
        _ = try? Syscall.syncDirectory(fd: directoryFD)
        if mark != nil {
            if (try? removeMark(targetFD, target)) == nil { _ = try? removeMark(targetFD, target) }
            // A mark that came back after a power cut would make other views of the file wait for a journal.
            _ = try? Syscall.fsync(writeFD)
        }
    }

    /// Runs `body`, and once more if it fails; throws `pending` of the second failure.
    private static func twice(
        _ pending: (HtpasswdError) -> HtpasswdError, _ body: () throws(HtpasswdError) -> Void
    ) throws(HtpasswdError) {
        do throws(HtpasswdError) { try body() } catch {
            do throws(HtpasswdError) { try body() } catch { throw pending(error) }
        }
    }

    /// Writes the journal's content over the file open as `fd` from the first change, truncates it, and
    /// syncs it. Repeatable: it writes the same bytes each time.
    private static func writeContent(from journal: CInt, _ header: Header, into fd: CInt) throws(SystemError) {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { scratch.deallocate() }
        if lseek(fd, off_t(header.firstChange), SEEK_SET) < 0 { throw SystemError(.write, errno: errno) }
        try Syscall.copy(
            from: journal, offset: headerSize + header.firstChange, count: header.size - header.firstChange,
            to: fd, scratch: scratch)
        try Syscall.ftruncate(fd, header.size)
        try Syscall.fsync(fd)
    }

    private static func removeMark(_ fd: CInt, _ target: FilePath) throws(HtpasswdError) {
        while htpass_fremovexattr(fd, markName) != 0 {
            if errno == EINTR { continue }
            if errno == ENODATA { return }
            throw .system(.removeAttribute, path: target, errno: Errno(rawValue: errno))
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

    /// Whether an edit of `target` may be unfinished: a journal next to it, or a mark on it; and, with
    /// `temporary`, a temporary file next to it (which a reader ignores: it may be a live writer's).
    /// Cheap (an `lstat` or two and a `getxattr`), and without the lock.
    static func pending(for target: FilePath, fd: CInt?, temporary: Bool) -> Bool {
        var info = stat()
        if path(for: target).withPlatformString({ lstat($0, &info) }) == 0 { return true }
        if temporary && temporaryPath(for: target).withPlatformString({ lstat($0, &info) }) == 0 { return true }
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
    /// - Throws: ``HtpasswdError/interruptedEditElsewhere(path:journal:)`` for a mark whose journal is out
    ///   of reach; ``HtpasswdError/editPending(path:journal:failure:)`` when the roll-forward fails twice;
    ///   a file error.
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
        let ownName = ownJournal.lastComponent!
        let directory = target.split.directory
        let (directoryFD, ownDirectory) = try openDirectory(directory)
        defer { close(directoryFD) }

        guard let targetFD else {
            // No file to finish: a journal next to where it was is stale.
            let present: Bool
            do throws(SystemError) { present = try Syscall.lstat(in: directoryFD, ownName) != nil } catch {
                throw error.at(ownJournal)
            }
            if present { try discard(directoryFD, ownName, ownJournal, &found) }
            return found
        }
        let targetInfo: stat
        do throws(SystemError) { targetInfo = try Syscall.fstat(targetFD) } catch { throw error.at(target) }
        let context = Context(target: target, targetFD: targetFD, targetInfo: targetInfo)

        // A mark, journal or inode that cannot be read is an error, never taken for absent: that would
        // discard a complete journal and leave the file half-written.
        var mark: Mark?
        var marksUnsupported = false
        do throws(SystemError) { mark = try readMark(targetFD) } catch {
            guard unsupported(error) else { throw error.at(target) }
            marksUnsupported = true
        }
        if let mark {
            try recoverMarked(mark, context, ownDirectoryFD: directoryFD, ownDirectory: ownDirectory, &found)
        }

        // A journal by name: unmarked (no extended attributes where it was written), or stale.
        let journal: CInt
        let header: Header
        switch try openJournal(in: directoryFD, named: ownName, path: ownJournal, context) {
        case .absent:
            return found
        case .unusable:
            try discard(directoryFD, ownName, ownJournal, &found)
            return found
        case .untrusted(let owner, let header):
            // It would be rolled forward, were it another user's: it may be a real journal of a writer
            // htpass cannot tell may write the file (an ACL, a group from LDAP), so it is neither used nor
            // removed.
            if (!header.marked || marksUnsupported) && context.isTarget(header, byToken: false) {
                throw .untrustedJournal(path: target, journal: ownJournal, owner: owner)
            }
            try discard(directoryFD, ownName, ownJournal, &found)
            return found
        case .journal(let fd, let read):
            (journal, header) = (fd, read)
        }
        defer { close(journal) }
        // A marked journal whose mark cannot be seen here (no extended attributes now) is rolled forward
        // as an unmarked one.
        if (!header.marked || marksUnsupported) && context.isTarget(header, byToken: false) {
            try rollForward(
                journal, header, directoryFD: directoryFD, name: ownName, journalPath: ownJournal, context,
                mark: nil, &found)
        } else {
            try discard(directoryFD, ownName, ownJournal, &found)
        }
        return found
    }

    /// The file being recovered.
    private struct Context {
        var target: FilePath
        var targetFD: CInt
        var targetInfo: stat

        /// Whether the journal with `header` is this file's: the same inode and, unless the journal's token
        /// is the one in the file's mark (`byToken`), the same device (device numbers can change at boot).
        func isTarget(_ header: Header, byToken: Bool) -> Bool {
            header.inode == UInt64(targetInfo.st_ino) && (byToken || header.device == UInt64(targetInfo.st_dev))
        }

        /// Whether a journal owned by `owner` may be written over the file: one of the file's owner, this
        /// process's user or root, or of a user the file's mode lets write it. Anyone who may create files
        /// in a directory may leave a file under a journal's name; this keeps a user who may not write the
        /// file from having it written by someone who may.
        func trusts(_ owner: uid_t) -> Bool {
            if owner == targetInfo.st_uid || owner == geteuid() || owner == 0 { return true }
            let mode = targetInfo.st_mode
            if mode & 0o002 != 0 { return true }
            // A user /etc/passwd does not list (LDAP): its groups are unknown, so the group's write
            // permission is taken as its own rather than discard what may be a complete journal.
            return mode & 0o020 != 0 && SystemGroup.user(owner, isMemberOf: targetInfo.st_gid) != false
        }
    }

    /// Recovery for a file that carries `mark`: rolls the journal it names forward, clears a mark whose
    /// journal is surely not there, or throws ``HtpasswdError/interruptedEditElsewhere(path:journal:)``.
    private static func recoverMarked(
        _ mark: Mark, _ context: Context, ownDirectoryFD: CInt, ownDirectory: FileID, _ found: inout [Found]
    ) throws(HtpasswdError) {
        let target = context.target
        let name = mark.journal.lastComponent
        let validName = name.map { $0.string.hasPrefix(".") && $0.string.hasSuffix(suffix) } ?? false
        // The directory the mark's path leads to, here.
        var markDirectoryFD: CInt = -1
        var markDirectory: FileID?
        if validName {
            let markDirectoryPath = mark.journal.split.directory
            do throws(SystemError) {
                markDirectoryFD = try Syscall.open(markDirectoryPath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                markDirectory = FileID(try Syscall.fstat(markDirectoryFD))
            } catch {
                // Out of reach from here: the path does not exist, or is not a directory we may open.
                let code = error.errno.rawValue
                if ![ENOENT, ENOTDIR, ELOOP, EACCES, EPERM].contains(code) {
                    if markDirectoryFD >= 0 { close(markDirectoryFD) }
                    throw error.at(markDirectoryPath)
                }
                markDirectory = nil
            }
        }
        defer { if markDirectoryFD >= 0 { close(markDirectoryFD) } }

        // Where the journal may be: where the mark's path leads, and, when the mark names this directory
        // (reached here by another path), here.
        var places: [(fd: CInt, path: FilePath, own: Bool)] = []
        if markDirectoryFD >= 0 {
            places.append((markDirectoryFD, mark.journal, markDirectory == ownDirectory))
        }
        if let name, validName, mark.directory == ownDirectory, markDirectory != ownDirectory {
            places.append((ownDirectoryFD, target.split.directory.appending(name), true))
        }
        var untrusted: FilePath?
        for place in places {
            let journal: CInt
            let header: Header
            switch try openJournal(in: place.fd, named: name!, path: place.path, context) {
            case .absent:
                continue
            case .unusable:
                // Outside this directory, something under the journal's name that is not a journal is no
                // proof that the journal is absent.
                if !place.own { untrusted = place.path }
                continue
            case .untrusted(let owner, let header):
                if header.token == mark.token && context.isTarget(header, byToken: true) {
                    throw .untrustedJournal(path: target, journal: place.path, owner: owner)
                }
                if !place.own { untrusted = place.path }
                continue
            case .journal(let fd, let read):
                (journal, header) = (fd, read)
            }
            defer { close(journal) }
            if header.token == mark.token && context.isTarget(header, byToken: true) {
                // The journal is reachable from here (this mount namespace, or a restarted container that
                // sees the same directory): finish the edit, whoever started it.
                try rollForward(
                    journal, header, directoryFD: place.fd, name: name!, journalPath: place.path, context,
                    mark: mark, &found)
                return
            }
        }

        // Not there, and the mark still pending: the file was not written under it (it is written only once
        // the mark says committed). Wherever the journal may be, it is discarded by the next run there.
        if !mark.committed {
            try removeMark(context.targetFD, target)
            found.append(.clearedMark)
            return
        }

        // Committed, and not there. Clear the mark only if this is surely the directory where the journal
        // would be: then the edit was finished but for the mark.
        let surelyHere: Bool
        if let recorded = mark.directory {
            surelyHere = recorded == ownDirectory || (recorded == markDirectory && untrusted == nil)
        } else {
            // A v1 mark has no directory identity: its path names this directory only in its own namespace.
            surelyHere =
                untrusted == nil && mark.namespace != 0 && mark.namespace == ownNamespace
                && markDirectory == ownDirectory
        }
        guard surelyHere else {
            // Another view of the file (a container, the host) holds the journal: only it can finish.
            throw .interruptedEditElsewhere(path: target, journal: mark.journal)
        }
        try removeMark(context.targetFD, target)
        found.append(.clearedMark)
    }

    private static func rollForward(
        _ journal: CInt, _ header: Header, directoryFD: CInt, name: FilePath.Component, journalPath: FilePath,
        _ context: Context, mark: Mark?, _ found: inout [Found]
    ) throws(HtpasswdError) {
        let writeFD = try openForWriting(context.target, as: context.targetInfo)
        defer { close(writeFD) }
        try complete(
            journalFD: journal, header: header, directoryFD: directoryFD, name: name, journalPath: journalPath,
            target: context.target, targetFD: context.targetFD, writeFD: writeFD, mark: mark)
        found.append(.rolledForward)
    }

    private static func unsupported(_ error: SystemError) -> Bool {
        error.errno.rawValue == ENOTSUP || error.errno.rawValue == EOPNOTSUPP
    }

    /// What is under a journal's name.
    private enum Lookup {
        /// Nothing.
        case absent
        /// Something that is not a journal: not a regular file, or no journal's header.
        case unusable
        /// A journal's header in a file of a user ``Context/trusts(_:)`` does not trust: never used.
        case untrusted(owner: uid_t, Header)
        /// A journal, open, and its header.
        case journal(CInt, Header)
    }

    /// The journal `name` in the directory open as `directory`. Never follows a link, never blocks (a
    /// FIFO), never opens anything but a regular file; hands out only a journal of a user the context
    /// trusts.
    ///
    /// - Throws: When something is there but cannot be examined, opened or read: never taken for absent.
    private static func openJournal(
        in directory: CInt, named name: FilePath.Component, path: FilePath, _ context: Context
    ) throws(HtpasswdError) -> Lookup {
        let info: stat?
        do throws(SystemError) { info = try Syscall.lstat(in: directory, name) } catch { throw error.at(path) }
        guard let info else { return .absent }
        guard info.st_mode & S_IFMT == S_IFREG else { return .unusable }
        let fd: CInt
        do throws(SystemError) { fd = try Syscall.open(in: directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK) } catch
        {
            // Replaced by a link since: not a journal.
            if error.errno.rawValue == ELOOP { return .unusable }
            throw error.at(path)
        }
        do throws(SystemError) {
            let opened = try Syscall.fstat(fd)
            // Replaced since it was examined (only a program that ignores the locks does that).
            guard opened.st_mode & S_IFMT == S_IFREG, FileID(opened) == FileID(info) else {
                close(fd)
                return .unusable
            }
            var bytes = [UInt8](repeating: 0, count: headerSize)
            var read: Int
            repeat {
                read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, headerSize, 0) }
            } while read < 0 && errno == EINTR
            if read < 0 { throw SystemError(.read, errno: errno) }
            guard read == headerSize, let header = decode(bytes) else {
                close(fd)
                return .unusable
            }
            guard context.trusts(opened.st_uid) else {
                close(fd)
                return .untrusted(owner: opened.st_uid, header)
            }
            return .journal(fd, header)
        } catch {
            close(fd)
            throw error.at(path)
        }
    }

    private static func discard(
        _ directory: CInt, _ name: FilePath.Component, _ path: FilePath, _ found: inout [Found]
    ) throws(HtpasswdError) {
        do throws(SystemError) {
            try Syscall.remove(in: directory, name)
            try Syscall.syncDirectory(fd: directory)
        } catch {
            throw error.call == .unlink ? error.at(path) : error.at(path.split.directory)
        }
        found.append(.discardedStale)
    }

    /// The complete new content of an interrupted edit of `target` (open as `targetFD`), for a reader
    /// that may not finish the edit itself: an open descriptor positioned at the content, and its size;
    /// nil if there is no such journal within reach.
    static func openContent(for target: FilePath, targetFD: CInt) -> (CInt, Int)? {
        guard let info = try? Syscall.fstat(targetFD) else { return nil }
        let context = Context(target: target, targetFD: targetFD, targetInfo: info)
        var marksUnsupported = false
        var mark: Mark?
        do throws(SystemError) { mark = try readMark(targetFD) } catch { marksUnsupported = unsupported(error) }
        let ownJournal = path(for: target)
        // The mark's journal (with its token) where the mark's path leads and, if the mark names this
        // directory by its identity, next to the file; else an unmarked journal by name.
        var candidates: [(path: FilePath, token: String?)] = []
        if let mark {
            candidates.append((mark.journal, mark.token))
            let ownDirectory = try? Syscall.open(target.split.directory, O_RDONLY | O_DIRECTORY)
            if let ownDirectory {
                if let recorded = mark.directory, (try? Syscall.fstat(ownDirectory)).map(FileID.init) == recorded,
                    let name = mark.journal.lastComponent
                {
                    candidates.append((target.split.directory.appending(name), mark.token))
                }
                close(ownDirectory)
            }
        }
        candidates.append((ownJournal, nil))
        for candidate in candidates {
            guard let name = candidate.path.lastComponent, name.string.hasSuffix(suffix) else { continue }
            let directory = candidate.path.split.directory
            guard let directoryFD = try? Syscall.open(directory, O_RDONLY | O_DIRECTORY) else { continue }
            defer { close(directoryFD) }
            guard
                case .journal(let fd, let header) = try? openJournal(
                    in: directoryFD, named: name, path: candidate.path, context)
            else { continue }
            let belongs =
                if let token = candidate.token {
                    header.token == token && context.isTarget(header, byToken: true)
                } else {
                    (!header.marked || marksUnsupported) && context.isTarget(header, byToken: false)
                }
            if belongs, lseek(fd, off_t(headerSize), SEEK_SET) == off_t(headerSize) {
                return (fd, header.size)
            }
            close(fd)
        }
        return nil
    }
}

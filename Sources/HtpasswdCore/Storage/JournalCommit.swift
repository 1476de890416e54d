import CLinux
import Glibc
import SystemPackage

/// Writing an edit in place through the journal (the steps are in Journal.swift).
extension Journal {
    /// The in-place write of the content in `temporary` (after ``headerSize`` bytes) over the file open
    /// read-write and locked as `file`, whose status is `info`.
    ///
    /// - Throws: Before the commit point, the failure (the file untouched, no mark left, the temporary file
    ///   removed by its owner); after it, ``HtpasswdError/editPending(path:journal:failure:)``.
    static func commit(
        _ temporary: TemporaryFile, size: Int, firstChange: Int, file: CInt, info: stat, in resolved: ResolvedPath
    ) throws(HtpasswdError) {
        let context = Context(resolved: resolved, file: file, info: info)
        let target = context.path

        // 1. Room for the new content, before anything is marked.
        if size > Int(info.st_size) {
            do throws(SystemError) { try reserve(file, size) } catch { throw error.at(target) }
        }

        // 2. The mark, pending, so that every path to the inode knows an edit is under way; synced, since
        //    recovery after a power cut relies on it.
        let token =
            (try? SecureRandom.string(count: 16, alphabet: Array("0123456789abcdef".utf8)))
            .map { String(decoding: $0, as: UTF8.self) } ?? "0"
        var mark: Mark?
        let shownJournal = (Placement.realPath(fd: resolved.directory) ?? resolved.path.split.directory)
            .appending(context.journalName)
        let pending = Mark(
            committed: false, namespace: ownNamespace, directory: FileID(resolved.directoryInfo), token: token,
            journal: shownJournal)
        do throws(SystemError) {
            try setMark(pending, on: file)
            mark = pending
        } catch {
            if !unsupported(error) { throw error.at(target) }
        }
        let marked = mark != nil

        // 3. The journal, complete and durable under its name: the commit point.
        let header = Header(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: size, firstChange: firstChange,
            marked: marked, token: token)
        do throws(HtpasswdError) {
            if marked {
                do throws(SystemError) { try Syscall.fsync(file) } catch { throw error.at(target) }
            }
            do throws(SystemError) {
                try encode(header).withBuffer { (raw) throws(SystemError) in
                    try Syscall.pwriteAll(temporary.descriptor, UnsafeRawBufferPointer(raw), at: 0)
                }
                try Syscall.fsync(temporary.descriptor)
            } catch {
                throw error.at(temporary.path)
            }
            // Recovery removed any journal there under the lock: something that appeared since is not ours
            // to replace.
            let placed: Bool
            do throws(SystemError) { placed = try temporary.place(as: context.journalName, replacing: false) } catch {
                throw error.at(context.journalPath)
            }
            if !placed { throw HtpasswdError.system(.link, path: context.journalPath, errno: .fileExists) }
        } catch {
            // The file was not touched: no mark may make another view of it wait for a journal that never was.
            if marked { _ = htpass_fremovexattr(file, markName) }
            throw error
        }

        // 4, 5. The file, then the journal and the mark. From here on the edit will be finished.
        try complete(journal: temporary.descriptor, header, context, mark: mark)
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
    /// the next run that looks in the journal's directory.
    ///
    /// - Throws: ``HtpasswdError/editPending(path:journal:failure:)`` when the content cannot be written.
    static func complete(journal: CInt, _ header: Header, _ context: Context, mark: Mark?) throws(HtpasswdError) {
        let target = context.path
        let directory = context.resolved.directory
        func pending(_ failure: FileSystemError) -> HtpasswdError {
            .editPending(path: target, journal: context.journalPath, failure: failure)
        }
        // No second try here: after a failed sync, the kernel may report the next one as a success.
        do throws(SystemError) { try context.resolved.syncDirectory() } catch {
            throw pending(error.failure(at: target.split.directory))
        }
        if var committed = mark, !committed.committed {
            committed.committed = true
            // Also no second try of the sync: the file is untouched until it succeeds.
            do throws(SystemError) {
                do throws(SystemError) { try setMark(committed, on: context.file) } catch {
                    try setMark(committed, on: context.file)
                }
                try Syscall.fsync(context.file)
            } catch {
                throw pending(error.failure(at: target))
            }
        }
        try twice(pending) { () throws(FileSystemError) in
            do throws(SystemError) {
                try writeContent(from: journal, header, into: context.file)
            } catch {
                throw error.failure(at: error.call == .read ? context.journalPath : target)
            }
        }
        // Clean-up. The journal goes first: a mark without its journal is cleared, a journal without its
        // mark discarded. Each removal is tried twice; if the journal stays, so does the mark.
        let name = context.journalName
        var removed = (try? Syscall.remove(in: directory, name)) != nil
        if !removed { removed = (try? Syscall.remove(in: directory, name)) != nil }
        guard removed else { return }
        _ = try? context.resolved.syncDirectory()
        if mark != nil {
            if (try? removeMark(context.file, target)) == nil { _ = try? removeMark(context.file, target) }
            // A mark that came back after a power cut would make other views of the file wait for a journal.
            _ = try? Syscall.fsync(context.file)
        }
    }

    /// Runs `body`, and once more if it fails; throws `pending` of the second failure.
    private static func twice(
        _ pending: (FileSystemError) -> HtpasswdError, _ body: () throws(FileSystemError) -> Void
    ) throws(HtpasswdError) {
        do throws(FileSystemError) { try body() } catch {
            do throws(FileSystemError) { try body() } catch { throw pending(error) }
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
}

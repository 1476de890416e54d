import Glibc
import SystemPackage

// Editing: one transaction per edit (`perform`), which resolves the path, opens and locks the file,
// finishes an interrupted edit, writes the new content to a temporary file, and commits (rename, link, or
// in place through the journal) or discards it.

extension HtpasswdStore {
    /// Applies `changes` in one locked pass over the file, in constant memory, and writes the result if
    /// anything changed.
    ///
    /// - Parameters:
    ///   - changes: What to change; see ``HtpasswdChanges`` for the rules.
    ///   - creation: What to do when the file is missing or present. With ``Creation/replace``, the file
    ///     starts empty, as with ``HtpasswdChanges/startsEmpty``.
    ///   - attributes: Mode and group if the edit creates the file.
    /// - Throws: ``HtpasswdError/userNotFound(user:)`` or ``HtpasswdError/changedSinceRead(user:)`` from the
    ///   changes, or a file error; the file is then byte-for-byte as before.
    @discardableResult
    public func apply(
        _ changes: HtpasswdChanges, creation: Creation = .mustExist, attributes: NewFileAttributes = NewFileAttributes()
    ) throws(HtpasswdError) -> EditReport {
        var changes = changes
        if creation == .replace { changes.startsEmpty = true }
        var outcome = EditOutcome()
        let write = try perform(creation: creation, attributes: attributes) {
            (source, output, mustWrite) throws(HtpasswdError) -> Produced? in
            var editor = StreamEditor(source: source, sourcePath: path, output: output)
            outcome = try editor.apply(changes, forceOutput: mustWrite)
            return (outcome.changedFile, outcome.firstChange, outcome.size)
        }
        return EditReport(outcome: outcome, write: write)
    }

    /// Edits the file in memory under the lock and writes the result if it changed.
    ///
    /// The whole file is held in memory; ``apply(_:creation:attributes:)`` edits in constant memory.
    ///
    /// - Parameters:
    ///   - creation: What to do when the file is missing or present.
    ///   - attributes: Mode and group if the edit creates the file.
    ///   - change: Applies the edit to the current content; if it throws, nothing is written.
    /// - Returns: What `change` returned, and how the edit was written.
    /// - Throws: The error of `change`, or a file error; the file is then byte-for-byte as before.
    @discardableResult
    public func edit<Result>(
        creation: Creation = .mustExist, attributes: NewFileAttributes = NewFileAttributes(),
        _ change: (inout HtpasswdFile) throws(HtpasswdError) -> Result
    ) throws(HtpasswdError) -> Edited<Result> {
        try editOrAbandon(creation: creation, attributes: attributes, change).get()
    }

    /// ``edit(creation:attributes:_:)-6fuqo`` for a `change` that may throw `Failure`: the edit is abandoned
    /// (nothing is written, no file is created) and `Failure` returned as it was thrown, so that each
    /// variant of `edit` rethrows the caller's error as itself, never wrapped in an ``HtpasswdError``.
    func editOrAbandon<Result, Failure: Error>(
        creation: Creation, attributes: NewFileAttributes, _ change: (inout HtpasswdFile) throws(Failure) -> Result
    ) throws(HtpasswdError) -> Swift.Result<Edited<Result>, Failure> {
        var result: Result?
        var failure: Failure?
        let write = try perform(creation: creation, attributes: attributes) {
            (source, output, mustWrite) throws(HtpasswdError) -> Produced? in
            var existing: [UInt8] = []
            if let source {
                do throws(SystemError) { existing = try Syscall.readAll(source) } catch { throw error.at(path) }
            }
            var file = creation == .replace ? HtpasswdFile() : HtpasswdFile(bytes: existing)
            do throws(Failure) { result = try change(&file) } catch {
                failure = error
                return nil
            }
            let contents = file.bytes
            let first = commonPrefixLength(contents, existing)
            let same = first == contents.count && first == existing.count
            guard !same || mustWrite else { return (false, 0, existing.count) }
            let fd = try output.start()
            do throws(SystemError) { try Syscall.writeAll(fd, contents) } catch { throw error.at(output.path) }
            return (true, first, contents.count)
        }
        if let failure { return .failure(failure) }
        return .success(Edited(result: result!, write: write))
    }

    /// Finishes an interrupted in-place edit of the file, if there is one, and removes temporary files left
    /// by writers that died. Every edit does this first; call it to do only this.
    ///
    /// - Returns: Whether an interrupted edit was finished.
    /// - Throws: ``HtpasswdError/interruptedEditElsewhere(path:journal:)``,
    ///   ``HtpasswdError/untrustedJournal(path:journal:owner:)``, ``HtpasswdError/editPending(path:journal:failure:)``,
    ///   or a file error (this process may not write the file: `EACCES`).
    @discardableResult
    public func finishInterruptedEdit() throws(HtpasswdError) -> Bool {
        try PathResolution.withResolved(path) { (resolved) throws(HtpasswdError) -> Bool in
            let finished = try finishPendingEdit(resolved)
            // Safe without the file's lock: a live writer holds a lock on its own temporary file.
            if let opened = try OpenedFile.open(resolved, path: path, writing: false, lock: .none) {
                let context = Journal.Context(resolved: resolved, file: opened.descriptor, info: opened.info)
                if mayWrite(resolved) { TemporaryFile.removeAbandoned(in: resolved, trusting: context.trusts) }
            }
            return finished
        }
    }

    /// ``finishInterruptedEdit()`` in `resolved`: the one place, for edits and readers alike, where an
    /// interrupted edit is finished.
    func finishPendingEdit(_ resolved: ResolvedPath) throws(HtpasswdError) -> Bool {
        // First without the lock, for reading only: a reader that may not write the file can ask too, and
        // nothing pending means nothing to do. No file: nothing to finish either (a journal next to where it
        // was stays until an edit of a file there).
        guard let reading = try OpenedFile.open(resolved, path: path, writing: false, lock: .none) else { return false }
        let pending = Journal.pending(resolved, file: reading.descriptor)
        reading.close()
        guard pending else { return false }
        let deadline = FileLock.Deadline(timeout: lockTimeout)
        guard
            let opened = try OpenedFile.open(
                resolved, path: path, writing: true, lock: .exclusive(deadline, waiting: lockWaiting))
        else { return false }
        let context = Journal.Context(resolved: resolved, file: opened.descriptor, info: opened.info)
        defer { TemporaryFile.removeAbandoned(in: resolved, trusting: context.trusts) }
        guard Journal.pending(resolved, file: opened.descriptor) else { return false }
        return try Journal.recover(context).contains(.rolledForward)
    }

    /// What the content step of an edit did.
    typealias Produced = (changed: Bool, firstChange: Int, size: Int)

    /// The steps every edit shares: resolve, lock, recover, decide how to write, produce, commit.
    ///
    /// `produce` gets the current file (nil if missing), the output to start when it writes, and whether
    /// it must write even if nothing changed (a new file); it returns whether it wrote new content, or nil
    /// to abandon the edit: nothing is written then, not even a new file, and the report says so.
    private func perform(
        creation: Creation, attributes: NewFileAttributes,
        _ produce: (CInt?, StreamEditor.Output, Bool) throws(HtpasswdError) -> Produced?
    ) throws(HtpasswdError) -> WriteReport {
        // One deadline for the whole wait, however many times the edit starts again.
        let deadline = FileLock.Deadline(timeout: lockTimeout)
        for _ in 0..<64 {
            let report = try PathResolution.withResolved(path) { (resolved) throws(HtpasswdError) -> WriteReport? in
                guard
                    let opened = try OpenedFile.open(
                        resolved, path: path, writing: true, lock: .exclusive(deadline, waiting: lockWaiting))
                else {
                    if creation == .mustExist { throw .fileNotFound(path: path) }
                    if let refusal = PathResolution.refusal(from: resolved.directoryInfo, toOwner: geteuid()) {
                        throw .unsafePath(path: path, at: resolved.path.split.directory, refusal: refusal)
                    }
                    return try create(
                        resolved, attributes: attributes, mustNotExist: creation == .mustNotExist, produce)
                }
                return try update(resolved, fd: opened.descriptor, creation: creation, produce)
            }
            if let report { return report }
            // Another edit created the file first: edit the file it created.
        }
        // Created and removed again and again under this edit: something that ignores the locks is at work.
        throw .system(.open, path: path, errno: .staleNFSFileHandle)
    }

    /// An edit of the file open read-write and locked as `fd`.
    private func update(
        _ resolved: ResolvedPath, fd: CInt, creation: Creation,
        _ produce: (CInt?, StreamEditor.Output, Bool) throws(HtpasswdError) -> Produced?
    ) throws(HtpasswdError) -> WriteReport {
        var report = WriteReport()
        func status() throws(HtpasswdError) -> stat {
            do throws(SystemError) { return try Syscall.fstat(fd) } catch { throw error.at(resolved.path) }
        }
        let context = Journal.Context(resolved: resolved, file: fd, info: try status())
        let found: [Journal.Found]
        do throws(HtpasswdError) { found = try Journal.recover(context) } catch {
            // An earlier edit's, not this one's: this edit has not begun.
            if case .editPending(let path, let journal, let failure) = error {
                throw .interruptedEditNotFinished(path: path, journal: journal, failure: failure)
            }
            throw error
        }
        report.finishedInterruptedEdit = found.contains(.rolledForward)
        report.discardedStaleJournal = found.contains(.discardedStale)
        TemporaryFile.removeAbandoned(in: resolved, trusting: context.trusts)
        if creation == .mustNotExist { throw .fileExists(path: path) }

        // The file as it is now (a roll-forward rewrote it), read from its start.
        let info = try status()
        if lseek(fd, 0, SEEK_SET) != 0 { throw .system(.read, path: resolved.path, errno: Errno(rawValue: errno)) }

        // How to write: in place where a rename would not reach every reader.
        var inPlace = false
        switch writeMode {
        case .inPlace:
            report.inPlaceReasons = [.requested]
            inPlace = true
        case .auto:
            let placement = try Placement.detect(
                directory: resolved.directory, name: resolved.name, path: resolved.path)
            report.placement = placement
            report.inPlaceReasons = placement.inPlaceReasons
            inPlace = !report.inPlaceReasons.isEmpty
        case .rename:
            // Asked for: the placement only tells the caller whom a rename leaves behind.
            report.placement = try? Placement.detect(
                directory: resolved.directory, name: resolved.name, path: resolved.path)
        }

        // Room for the journal's header, written once the content is known.
        let output = TemporaryOutput(resolved, skipping: inPlace ? Journal.headerSize : 0)
        defer { output.file?.close() }
        guard let produced = try produce(fd, output.stream, false), produced.changed, let temporary = output.file
        else { return report }

        if inPlace {
            // An htpasswd file is data: an edit leaves it without set-id or sticky bits, as a rename would.
            if info.st_mode & 0o7000 != 0 {
                do throws(SystemError) { try Syscall.retrying(.setMode) { fchmod(fd, info.st_mode & 0o777) } } catch {
                    throw error.at(resolved.path)
                }
            }
            try Journal.commit(
                temporary, size: produced.size, firstChange: produced.firstChange, file: fd, info: info, in: resolved)
            report.method = .inPlace
            return report
        }
        try finish(temporary, mode: info.st_mode, owner: info.st_uid, group: info.st_gid)
        do throws(SystemError) { _ = try temporary.place(as: resolved.name, replacing: true) } catch {
            throw error.at(resolved.path)
        }
        report.method = .rename
        // The new file is in place and visible: a failed sync is a warning, not a failure.
        do throws(SystemError) { try resolved.syncDirectory() } catch {
            report.syncFailure = error.at(resolved.path.split.directory)
        }
        return report
    }

    /// A new file: written whole to a temporary file, then linked under its name only if that is still free.
    /// Nil when another edit created the file first (and `mustNotExist` is false).
    private func create(
        _ resolved: ResolvedPath, attributes: NewFileAttributes, mustNotExist: Bool,
        _ produce: (CInt?, StreamEditor.Output, Bool) throws(HtpasswdError) -> Produced?
    ) throws(HtpasswdError) -> WriteReport? {
        let output = TemporaryOutput(resolved, skipping: 0)
        defer { output.file?.close() }
        // Abandoned: no file is created, and the report says nothing was written.
        guard try produce(nil, output.stream, true) != nil else { return WriteReport() }
        guard let temporary = output.file else { throw .system(.write, path: resolved.path, errno: .ioError) }
        let group = attributes.group.map { gid_t($0) }
        try finish(temporary, mode: mode_t(attributes.mode), owner: nil, group: group)
        let placed: Bool
        do throws(SystemError) { placed = try temporary.place(as: resolved.name, replacing: false) } catch {
            throw error.at(resolved.path)
        }
        guard placed else {
            if mustNotExist { throw .fileExists(path: path) }
            return nil
        }
        var report = WriteReport()
        report.method = .rename
        report.created = true
        do throws(SystemError) { try resolved.syncDirectory() } catch {
            report.syncFailure = error.at(resolved.path.split.directory)
        }
        return report
    }

    /// Gives the temporary file its owner, group and permission bits — never set-user-ID, set-group-ID or
    /// sticky: a file an edit writes is data, whatever was there — and syncs it.
    private func finish(_ temporary: TemporaryFile, mode: mode_t, owner: uid_t?, group: gid_t?) throws(HtpasswdError) {
        let fd = temporary.descriptor
        do throws(SystemError) {
            if owner != nil || group != nil {
                let info = try Syscall.fstat(fd)
                let newOwner = owner ?? info.st_uid
                let newGroup = group ?? info.st_gid
                if newOwner != info.st_uid || newGroup != info.st_gid {
                    try Syscall.retrying(.setOwner) { fchown(fd, newOwner, newGroup) }
                }
            }
            // After fchown, which may clear set-id bits anyway.
            try Syscall.retrying(.setMode) { fchmod(fd, mode & 0o777) }
            try Syscall.fsync(fd)
        } catch {
            if error.call == .setOwner, error.errno == .notPermitted, let owner, let group {
                throw .ownerNotKept(path: path, owner: owner, group: group)
            }
            throw error.at(error.call == .sync ? temporary.path : path)
        }
    }
}

/// The output of an edit: a temporary file next to the htpasswd file, created when the content starts
/// (an edit that changes nothing creates none), positioned `skipping` bytes in.
private final class TemporaryOutput {
    private(set) var file: TemporaryFile?
    private(set) var stream: StreamEditor.Output!

    init(_ resolved: ResolvedPath, skipping offset: Int) {
        stream = StreamEditor.Output(
            start: { [unowned self] () throws(HtpasswdError) -> CInt in
                let file = try TemporaryFile.create(for: resolved)
                self.file = file
                if offset > 0 && lseek(file.descriptor, off_t(offset), SEEK_SET) < 0 {
                    throw .system(.write, path: file.path, errno: Errno(rawValue: errno))
                }
                return file.descriptor
            }, path: resolved.path)
    }
}

import Glibc
import SystemPackage

/// An htpasswd file on disk: reads without a lock (unless an in-place edit is pending), and edits that
/// are locked, atomic and durable, that reach every reader of the file, and that use memory independent
/// of the file's size.
///
/// ```swift
/// let store = HtpasswdStore(path: "/etc/nginx/htpasswd")
/// var changes = HtpasswdChanges()
/// changes.set(try PasswordHasher().hash("secret"), for: try UserName("alice"))
/// try store.apply(changes)
/// ```
///
/// An edit takes an exclusive lock on the file's directory (`flock(2)`; see <doc:StoreGuarantees>), reads the current file
/// under it, and writes the result in one of two ways (``WriteMode``):
/// - **rename** (the default): a temporary file in the same directory, synced, given the file's mode,
///   owner and group, renamed over the file; then the directory is synced. Readers see the old file or
///   the new one, never a mix.
/// - **in place**, where a rename would not reach every reader (a file bind-mounted alone into a
///   container, a mount point, a file with several hard links; see ``FilePlacement``): the new content
///   is first made durable as a journal next to the file, then written over the file, which keeps its
///   inode (see <doc:StoreGuarantees>). A crash at any moment leaves the old content, or a journal that the next
///   htpass run on the file uses to finish the edit.
///
/// Concurrent edits, from threads or processes, are serialised and none is lost. Nothing is written when
/// the change throws or leaves the bytes as they were. A symbolic link is followed and its target edited.
public struct HtpasswdStore: Sendable {
    /// The path as given.
    public let path: FilePath
    /// How long an edit waits for another one to finish, in seconds.
    public var lockTimeout: Double
    /// How edits are written.
    public var writeMode: WriteMode

    public init(path: FilePath, lockTimeout: Double = 10, writeMode: WriteMode = .auto) {
        self.path = path
        self.lockTimeout = lockTimeout
        self.writeMode = writeMode
    }

    public init(path: String, lockTimeout: Double = 10, writeMode: WriteMode = .auto) {
        self.init(path: FilePath(path), lockTimeout: lockTimeout, writeMode: writeMode)
    }

    /// How an edit replaces the file's content.
    public enum WriteMode: String, CaseIterable, Equatable, Sendable {
        /// In place where a rename would not reach every reader (``FilePlacement/inPlaceReasons``); by
        /// rename otherwise.
        case auto
        /// Always by rename: readers see the old file or the new one, never a mix; a reader through a
        /// hard link or a single-file bind mount keeps the old file.
        case rename
        /// Always in place, through a journal: every reader of the inode sees the edit, and may see a mix
        /// of old and new content for the instant of the write.
        case inPlace = "in-place"
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

    /// How an edit was written.
    public struct WriteReport: Equatable, Sendable {
        public enum Method: Equatable, Sendable {
            /// Nothing changed, so nothing was written.
            case none
            case rename
            case inPlace
        }

        public var method: Method = .none
        /// Why the edit was written in place; empty otherwise.
        public var inPlaceReasons: [InPlaceReason] = []
        /// The facts about the file that decided the method (in ``WriteMode/auto`` mode, for an existing file).
        public var placement: FilePlacement?
        /// Whether the edit created the file.
        public var created = false
        /// Whether an interrupted in-place edit was finished first.
        public var finishedInterruptedEdit = false
        /// Whether a journal for a file that has since been replaced was removed.
        public var discardedStaleJournal = false
        /// An edit by rename is written and visible, but syncing the directory after the rename failed: a
        /// power cut may undo the rename. Nil when the directory was synced. Worth a warning, not a failure.
        /// (In place, the file itself is synced before the edit's clean-up, whose loss is harmless.)
        public var syncFailure: HtpasswdError?

        public init() {}
    }

    /// What ``apply(_:creation:attributes:)`` did.
    public struct EditReport: Equatable, Sendable {
        public var outcome: EditOutcome
        public var write: WriteReport
    }

    /// What ``edit(creation:attributes:_:)-6fuqo`` returned, and how the edit was written.
    public struct Edited<Result> {
        public var result: Result
        public var write: WriteReport
    }

    // MARK: Reading

    /// Reads and parses the whole file, without taking the lock unless an in-place edit is pending.
    ///
    /// An edit by rename never makes it see a mix; an in-place edit that writes the file meanwhile makes
    /// it read again (``withConsistentReads(_:)``). An interrupted in-place edit is finished first when this
    /// process may write the file; otherwise its journal's complete new content is read instead.
    ///
    /// The file is held in memory: for large files, ``scan(_:)-7k6tq`` reads in constant memory.
    ///
    /// - Throws: ``HtpasswdError/fileNotFound(path:)``, ``HtpasswdError/notRegularFile(path:)``,
    ///   ``HtpasswdError/lockTimeout(path:seconds:)`` (see ``withConsistentReads(_:)``), or
    ///   ``HtpasswdError/system(_:path:errno:)``.
    public func read() throws(HtpasswdError) -> HtpasswdFile {
        try withConsistentReads { () throws(HtpasswdError) -> HtpasswdFile in
            let content = try openCurrentContent()
            return try Syscall.closeAfter(content.descriptor) { (fd) throws(HtpasswdError) -> HtpasswdFile in
                do throws(SystemError) {
                    return HtpasswdFile(bytes: try Syscall.readAll(fd, sizeHint: content.size))
                } catch {
                    throw error.at(path)
                }
            }
        }
    }

    /// Runs `body`, which reads the file (through ``scan(_:)-7k6tq``, ``contentSize()``, ...) as many times as
    /// it needs, so that everything it reads comes from one version of the file: if an edit replaced or
    /// rewrote the file meanwhile, `body` runs again, up to three times in all, the third time holding a
    /// shared lock on the file, which htpass's edits wait for (and which waits for an edit in progress, up
    /// to ``lockTimeout``). `body` must therefore start from scratch each time.
    ///
    /// Without it, an in-place edit can overtake a scan (old lines, then new ones), and two scans may read
    /// two versions of the file.
    ///
    /// - Throws: What `body` throws; ``HtpasswdError/lockTimeout(path:seconds:)`` if an edit holds the file
    ///   longer than ``lockTimeout`` the third time.
    public func withConsistentReads<Result>(
        _ body: () throws(HtpasswdError) -> Result
    ) throws(HtpasswdError) -> Result {
        for attempt in 1...3 {
            let (result, changed) = try observingChanges(locked: attempt == 3, body)
            if !changed || attempt == 3 { return result }
        }
        fatalError("unreachable")
    }

    /// Runs `body`, which reads the file, once, and tells whether the file changed meanwhile: replaced by
    /// rename, or rewritten in place. For a reader that cannot read again, such as one that has printed
    /// what it read; others use ``withConsistentReads(_:)``.
    public func observingChanges<Result>(
        _ body: () throws(HtpasswdError) -> Result
    ) throws(HtpasswdError) -> (result: Result, changed: Bool) {
        try observingChanges(locked: false, body)
    }

    /// ``observingChanges(_:)``, holding a shared lock on the file while `body` runs when `locked` (and no
    /// interrupted edit is pending: finishing it takes an exclusive lock on the file).
    private func observingChanges<Result>(
        locked: Bool, _ body: () throws(HtpasswdError) -> Result
    ) throws(HtpasswdError) -> (result: Result, changed: Bool) {
        var target = try resolvedTarget()
        // A missing file or something else: `body` says so, as it would without this.
        guard var fd = try? Syscall.open(target, O_RDONLY | O_NONBLOCK) else { return (try body(), false) }
        defer { close(fd) }
        // An interrupted edit this process may finish is finished first, so that `body` does not count its
        // own recovery as a change.
        if Journal.pending(for: target, fd: fd, temporary: false), mayFinish(target) {
            _ = try? finishInterruptedEdit()
        }
        if locked {
            let deadline = FileLock.Deadline(timeout: lockTimeout)
            for _ in 1...3 {
                try FileLock.lock(fd, path: target, until: deadline, lockedFile: path, shared: true)
                // An edit by rename may have replaced the file while this waited: lock the new one.
                guard let now = (try? Syscall.stat(path)) ?? nil, FileID(now) != FileID(fd) else { break }
                guard let reopened = try? Syscall.open(path, O_RDONLY | O_NONBLOCK) else { break }
                close(fd)
                fd = reopened
                target = (try? resolvedTarget()) ?? target
            }
            // An edit that died holding the file leaves something pending, which `body` finishes with an
            // exclusive lock: this shared one would make it wait for itself.
            if Journal.pending(for: target, fd: fd, temporary: false) { flock(fd, LOCK_UN) }
        }
        let before = Stamp(fd)
        let result = try body()
        // The same file under the path (following a symbolic link that may have been pointed elsewhere),
        // and nothing written to it.
        let now = (try? Syscall.stat(path)) ?? nil
        let replaced = now.map { FileID($0) != FileID(fd) } ?? true
        return (result, replaced || Stamp(fd) != before)
    }

    /// What ``scan(_:)-7k6tq`` saw of the file as a whole.
    public struct ScanSummary: Equatable, Sendable {
        /// The number of lines, counting a last line without a newline.
        public var lines = 0
        /// The file's size in bytes.
        public var size = 0
        /// The terminator of the last line (`.none`: the file does not end with a newline).
        public var lastTerminator = LineTerminator.none
        /// The number of lines that end with CRLF, and with LF alone.
        public var crlfLines = 0
        public var lfLines = 0
    }

    /// Reads the file line by line, in constant memory, calling `body` with each line (whose buffers are
    /// valid only during the call).
    ///
    /// Like ``read()``, it takes no lock unless an in-place edit is pending, and then finishes that edit
    /// first, or reads its journal. It reads the file once: an in-place edit that writes the file during
    /// the scan can make it see old lines, then new ones; ``observingChanges(_:)`` tells, and
    /// ``withConsistentReads(_:)`` reads again.
    ///
    /// - Throws: What `body` throws, or a file error as ``read()`` does.
    @discardableResult
    public func scan(_ body: (ScannedLine) throws(HtpasswdError) -> Void) throws(HtpasswdError) -> ScanSummary {
        let content = try openCurrentContent()
        return try Syscall.closeAfter(content.descriptor) { (fd) throws(HtpasswdError) -> ScanSummary in
            let reader = LineReader(fd: fd)
            var summary = ScanSummary()
            while true {
                let next: ScannedLine?
                do throws(SystemError) { next = try reader.next() } catch { throw error.at(path) }
                guard let line = next else { break }
                summary.lines += 1
                summary.lastTerminator = line.terminator
                switch line.terminator {
                case .crlf: summary.crlfLines += 1
                case .lf: summary.lfLines += 1
                case .none: break
                }
                try body(line)
            }
            summary.size = reader.bytesRead
            return summary
        }
    }

    /// The size of the file's current content, in bytes.
    public func contentSize() throws(HtpasswdError) -> Int {
        let content = try openCurrentContent()
        close(content.descriptor)
        return content.size
    }

    /// The file's current content, open for reading, and its size: the file, after finishing an interrupted
    /// in-place edit if one is pending and this process may write the file — or else the complete new
    /// content in that edit's journal, when it is within reach.
    ///
    /// Without a pending edit it takes no lock. A temporary file next to the file does not count: it may
    /// be a live writer's, and only edits remove a dead one's.
    private func openCurrentContent() throws(HtpasswdError) -> (descriptor: CInt, size: Int) {
        let target = try resolvedTarget()
        guard let current = try openExisting(target) else {
            if Journal.pending(for: target, fd: nil, temporary: false), mayFinish(target) {
                _ = try? finishInterruptedEdit()
            }
            throw .fileNotFound(path: path)
        }
        let fd = current.descriptor
        guard Journal.pending(for: target, fd: fd, temporary: false) else {
            removeDeadWritersTemporary(target)
            return (fd, Int(current.info.st_size))
        }
        if mayFinish(target) {
            do {
                let deadline = FileLock.Deadline(timeout: lockTimeout)
                try FileLock.withExclusiveLock(on: target.split.directory, until: deadline, lockedFile: path) {
                    () throws(HtpasswdError) in
                    try FileLock.lock(fd, path: target, until: deadline, lockedFile: path)
                    _ = try Journal.recover(target, targetFD: fd)
                }
                // Finished: the file is settled. Its lock goes: readers do not need it.
                flock(fd, LOCK_UN)
                return (fd, currentSize(fd) ?? Int(current.info.st_size))
            } catch {
                // Out of reach (another mount namespace), or failed: read what the edit would write.
                flock(fd, LOCK_UN)
            }
        }
        // Not allowed to finish it (a reader without write access), or it failed: read what the edit
        // would write, if that is at hand; otherwise the file as it is, as the servers do.
        if let (journal, size) = Journal.openContent(for: target, targetFD: fd) {
            close(fd)
            return (journal, size)
        }
        return (fd, currentSize(fd) ?? Int(current.info.st_size))
    }

    /// The size of the open file `fd` now.
    private func currentSize(_ fd: CInt) -> Int? {
        (try? Syscall.fstat(fd)).map { Int($0.st_size) }
    }

    /// Removes the temporary file of a writer that died, if there is one, when no edit holds the
    /// directory's lock and this process may: a reader never waits for the lock for that.
    private func removeDeadWritersTemporary(_ target: FilePath) {
        let temporary = Journal.temporaryPath(for: target)
        guard (try? Syscall.lstat(temporary)) != nil, mayFinish(target),
            let directory = try? Syscall.open(target.split.directory, O_RDONLY | O_DIRECTORY)
        else { return }
        defer { close(directory) }
        guard flock(directory, LOCK_EX | LOCK_NB) == 0 else { return }
        _ = Syscall.unlink(temporary)
    }

    /// Whether this process may finish an interrupted edit of `target`: write the file, and create and
    /// remove files in its directory. A reader that may not does not take the lock at all.
    private func mayFinish(_ target: FilePath) -> Bool {
        let file = target.withPlatformString { faccessat(AT_FDCWD, $0, W_OK, AT_EACCESS) }
        let directory = target.split.directory.withPlatformString { faccessat(AT_FDCWD, $0, W_OK | X_OK, AT_EACCESS) }
        return file == 0 && directory == 0
    }

    /// What a reader compares before and after reading the open file, to tell whether an in-place edit
    /// wrote it meanwhile: its identity, size, modification and change times, and the mark of an in-place
    /// edit. An edit by rename does not change the open file's content.
    struct Stamp: Equatable {
        var file: FileID
        var size: Int
        var modified: [Int]
        var changed: [Int]
        var mark: String?

        /// The stamp of the open file `fd`; nil if it cannot be taken.
        init?(_ fd: CInt) {
            var info = stat()
            guard fstat(fd, &info) == 0 else { return nil }
            file = FileID(info)
            size = Int(info.st_size)
            modified = [info.st_mtim.tv_sec, info.st_mtim.tv_nsec]
            changed = [info.st_ctim.tv_sec, info.st_ctim.tv_nsec]
            mark = Journal.mark(of: fd)?.token
        }
    }

    // MARK: Editing

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
            (source, output, mustWrite) throws(HtpasswdError) -> (changed: Bool, firstChange: Int, size: Int) in
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
        var result: Result?
        let write = try perform(creation: creation, attributes: attributes) {
            (source, output, mustWrite) throws(HtpasswdError) -> (changed: Bool, firstChange: Int, size: Int) in
            var existing: [UInt8] = []
            if let source {
                do throws(SystemError) { existing = try Syscall.readAll(source) } catch { throw error.at(path) }
            }
            var file = creation == .replace ? HtpasswdFile() : HtpasswdFile(bytes: existing)
            result = try change(&file)
            let contents = file.bytes
            let first = commonPrefixLength(contents, existing)
            let same = first == contents.count && first == existing.count
            guard !same || mustWrite else { return (false, 0, existing.count) }
            let fd = try output.start()
            do throws(SystemError) { try Syscall.writeAll(fd, contents) } catch { throw error.at(output.path) }
            return (true, first, contents.count)
        }
        return Edited(result: result!, write: write)
    }

    /// The facts about where the file sits (see ``FilePlacement``), as an edit in ``WriteMode/auto`` mode
    /// would find them.
    public func placement() throws(HtpasswdError) -> FilePlacement {
        try Placement.detect(try resolvedTarget())
    }

    /// Finishes an interrupted in-place edit of the file, if there is one, and removes a temporary file
    /// left by a writer that died. Every edit does this first; call it to do only this.
    ///
    /// - Returns: Whether an interrupted edit was finished.
    @discardableResult
    public func finishInterruptedEdit() throws(HtpasswdError) -> Bool {
        let target = try resolvedTarget()
        let deadline = FileLock.Deadline(timeout: lockTimeout)
        return try FileLock.withExclusiveLock(on: target.split.directory, until: deadline, lockedFile: path) {
            () throws(HtpasswdError) -> Bool in
            let current = try openExisting(target)
            defer { if let current { close(current.descriptor) } }
            guard Journal.pending(for: target, fd: current?.descriptor, temporary: true) else { return false }
            if let current {
                try FileLock.lock(current.descriptor, path: target, until: deadline, lockedFile: path)
            }
            return try Journal.recover(target, targetFD: current?.descriptor).contains(.rolledForward)
        }
    }

    /// The steps every edit shares: lock, recover, open, decide how to write, produce, commit.
    ///
    /// `produce` gets the current file (nil if missing), the output to start when it writes, and whether
    /// it must write even if nothing changed (a new file); it returns whether it wrote new content.
    private func perform(
        creation: Creation, attributes: NewFileAttributes,
        _ produce: (CInt?, StreamEditor.Output, Bool) throws(HtpasswdError) -> (
            changed: Bool, firstChange: Int, size: Int
        )
    ) throws(HtpasswdError) -> WriteReport {
        let target = try resolvedTarget()
        let directory = target.split.directory
        // One deadline for both locks: the timeout bounds the whole wait.
        let deadline = FileLock.Deadline(timeout: lockTimeout)
        return try FileLock.withExclusiveLock(on: directory, until: deadline, lockedFile: path) {
            () throws(HtpasswdError) -> WriteReport in
            var report = WriteReport()
            let current = try openExisting(target)
            defer { if let current { close(current.descriptor) } }
            // Writers through other directories (a hard link, a container's htpass) lock the inode too.
            if let current {
                try FileLock.lock(current.descriptor, path: target, until: deadline, lockedFile: path)
            }
            let found: [Journal.Found]
            do throws(HtpasswdError) { found = try Journal.recover(target, targetFD: current?.descriptor) } catch {
                // An earlier edit's, not this one's: this edit has not begun.
                if case .editPending(let path, let journal, let failure) = error {
                    throw .interruptedEditNotFinished(path: path, journal: journal, failure: failure)
                }
                throw error
            }
            report.finishedInterruptedEdit = found.contains(.rolledForward)
            report.discardedStaleJournal = found.contains(.discardedStale)

            switch (creation, current) {
            case (.mustExist, nil): throw .fileNotFound(path: path)
            case (.mustNotExist, .some): throw .fileExists(path: path)
            default: break
            }

            // How to write: in place where a rename would not reach every reader.
            var inPlace = false
            if current != nil {
                switch writeMode {
                case .rename:
                    break
                case .inPlace:
                    report.inPlaceReasons = [.requested]
                    inPlace = true
                case .auto:
                    let placement = try Placement.detect(target)
                    report.placement = placement
                    report.inPlaceReasons = placement.inPlaceReasons
                    inPlace = !report.inPlaceReasons.isEmpty
                }
            }

            let temporary = Journal.temporaryPath(for: target)
            var temporaryFD: CInt = -1
            var committed = false
            defer {
                if temporaryFD >= 0 { close(temporaryFD) }
                if !committed && temporaryFD >= 0 { _ = Syscall.unlink(temporary) }
            }
            let output = StreamEditor.Output(
                start: { () throws(HtpasswdError) -> CInt in
                    do throws(SystemError) {
                        try Syscall.removeIfPresent(temporary)
                        temporaryFD = try Syscall.open(temporary, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
                        if inPlace {
                            // Room for the journal's header, written once the content is known.
                            if lseek(temporaryFD, off_t(Journal.headerSize), SEEK_SET) < 0 {
                                throw SystemError(.write, errno: errno)
                            }
                        }
                    } catch {
                        throw error.at(temporary)
                    }
                    return temporaryFD
                }, path: target)

            let produced = try produce(current?.descriptor, output, current == nil)
            guard produced.changed, temporaryFD >= 0 else { return report }

            if inPlace, let current {
                do throws(HtpasswdError) {
                    try Journal.commit(
                        temporaryFD: temporaryFD, temporary: temporary, size: produced.size,
                        firstChange: produced.firstChange, target: target, targetFD: current.descriptor)
                } catch {
                    // Past the commit point, the temporary file is the journal: the next run needs it.
                    if case .editPending = error { committed = true }
                    throw error
                }
                committed = true
                report.method = .inPlace
                return report
            }

            let writeAttributes =
                if let current {
                    (
                        mode: current.info.st_mode & 0o7777, owner: Optional(current.info.st_uid),
                        group: Optional(current.info.st_gid)
                    )
                } else {
                    (mode: mode_t(attributes.mode), owner: uid_t?.none, group: attributes.group.map { gid_t($0) })
                }
            try finishTemporary(temporaryFD, temporary: temporary, target: target, attributes: writeAttributes)
            do throws(SystemError) { try Syscall.rename(temporary, target) } catch {
                throw error.at(target)
            }
            committed = true
            report.method = .rename
            report.created = current == nil
            // The new file is in place and visible: a failed sync is a warning, not a failure.
            do throws(HtpasswdError) { try Syscall.syncDirectory(directory) } catch { report.syncFailure = error }
            return report
        }
    }

    /// Gives the temporary file its owner, group and mode, and syncs it.
    private func finishTemporary(
        _ fd: CInt, temporary: FilePath, target: FilePath, attributes: (mode: mode_t, owner: uid_t?, group: gid_t?)
    ) throws(HtpasswdError) {
        do throws(SystemError) {
            if attributes.owner != nil || attributes.group != nil {
                let info = try Syscall.fstat(fd)
                let owner = attributes.owner ?? info.st_uid
                let group = attributes.group ?? info.st_gid
                if owner != info.st_uid || group != info.st_gid {
                    try Syscall.retrying(.setOwner) { fchown(fd, owner, group) }
                }
            }
            // After fchown, which may clear set-id bits.
            try Syscall.retrying(.setMode) { fchmod(fd, attributes.mode) }
            try Syscall.fsync(fd)
        } catch {
            if error.call == .setOwner, error.errno == .notPermitted, let owner = attributes.owner,
                let group = attributes.group
            {
                throw .ownerNotKept(path: path, owner: owner, group: group)
            }
            throw error.at(error.call == .sync ? temporary : target)
        }
    }

    // MARK: Paths

    /// The file an edit changes: `path`, or the final target of a chain of symbolic links, byte for byte.
    func resolvedTarget() throws(HtpasswdError) -> FilePath {
        var current = path
        for _ in 0..<40 {
            let info: stat?
            do throws(SystemError) { info = try Syscall.lstat(current) } catch { throw error.at(current) }
            guard let info, info.st_mode & S_IFMT == S_IFLNK else { return current }
            let destination: FilePath
            do throws(SystemError) { destination = try Syscall.readLink(current) } catch { throw error.at(current) }
            current = destination.isAbsolute ? destination : current.split.directory.pushing(destination)
        }
        throw .system(.readLink, path: path, errno: Errno(rawValue: ELOOP))
    }

    /// The regular file at `target`, open for reading, and its status; nil if there is none.
    private func openExisting(_ target: FilePath) throws(HtpasswdError) -> (descriptor: CInt, info: stat)? {
        let fd: CInt
        do throws(SystemError) {
            fd = try Syscall.open(target, O_RDONLY | O_NONBLOCK)
        } catch {
            if error.errno == .noSuchFileOrDirectory { return nil }
            if error.errno == .isDirectory { throw .notRegularFile(path: path) }
            throw error.at(path)
        }
        let info: stat
        do throws(SystemError) { info = try Syscall.fstat(fd) } catch {
            close(fd)
            throw error.at(path)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw .notRegularFile(path: path)
        }
        return (fd, info)
    }
}

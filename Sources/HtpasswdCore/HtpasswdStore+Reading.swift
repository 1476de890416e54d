import Glibc
import SystemPackage

// Reading: no lock unless an in-place edit is pending, and nothing written but the roll-forward of an
// interrupted edit (in one place, Journal.recover, through `finishPendingEdit`).

extension HtpasswdStore {
    /// Reads and parses the whole file, without taking the lock unless an in-place edit is pending.
    ///
    /// An edit by rename never makes it see a mix; an in-place edit that writes the file meanwhile makes
    /// it read again (``withConsistentReads(_:)``). An interrupted in-place edit is finished first when this
    /// process may write the file; otherwise its journal's complete new content is read instead.
    ///
    /// The file is held in memory: for large files, ``scan(_:)-7k6tq`` reads in constant memory.
    ///
    /// - Throws: ``HtpasswdError/fileSystem(_:)`` (``FileSystemError/Code/notFound``,
    ///   ``FileSystemError/Code/notRegularFile``, ``FileSystemError/Code/systemCallFailed``),
    ///   ``HtpasswdError/unsafePath(path:at:refusal:)``, or ``HtpasswdError/lockTimeout(path:seconds:holder:)``
    ///   (see ``withConsistentReads(_:)``).
    public func read() throws(HtpasswdError) -> HtpasswdFile {
        try withConsistentReads { () throws(HtpasswdError) -> HtpasswdFile in
            let content = try openCurrentContent()
            do throws(SystemError) {
                return HtpasswdFile(bytes: try Syscall.readAll(content.descriptor, sizeHint: content.size))
            } catch {
                throw error.at(path)
            }
        }
    }

    /// Runs `body`, which reads the file (through ``scan(_:)-7k6tq``, ``contentSize()``, ...) as many times as
    /// it needs, so that everything it reads comes from one version of the file: if an edit replaced or
    /// rewrote the file meanwhile, `body` runs again, up to three times in all, the third time holding a
    /// read lock on the file, which htpass's edits wait for (and which waits for an edit in progress, up
    /// to ``lockTimeout``). `body` must therefore start from scratch each time.
    ///
    /// Without it, an in-place edit can overtake a scan (old lines, then new ones), and two scans may read
    /// two versions of the file.
    ///
    /// - Throws: What `body` throws; ``HtpasswdError/lockTimeout(path:seconds:holder:)`` if an edit holds the
    ///   file longer than ``lockTimeout`` the third time.
    public func withConsistentReads<Result>(
        _ body: () throws(HtpasswdError) -> Result
    ) throws(HtpasswdError) -> Result {
        var attempt = 1
        while true {
            let (result, changed) = try observingChanges(locked: attempt == 3, body)
            if !changed || attempt == 3 { return result }
            attempt += 1
        }
    }

    /// Runs `body`, which reads the file, once, and tells whether the file changed meanwhile: replaced by
    /// rename, or rewritten in place. For a reader that cannot read again, such as one that has printed
    /// what it read; others use ``withConsistentReads(_:)``.
    public func observingChanges<Result>(
        _ body: () throws(HtpasswdError) -> Result
    ) throws(HtpasswdError) -> (result: Result, changed: Bool) {
        try observingChanges(locked: false, body)
    }

    /// ``observingChanges(_:)``, holding a read lock on the file while `body` runs when `locked` (and no
    /// interrupted edit is pending: finishing it takes the write lock).
    private func observingChanges<Result>(
        locked: Bool, _ body: () throws(HtpasswdError) -> Result
    ) throws(HtpasswdError) -> (result: Result, changed: Bool) {
        // A missing file, an unsafe path or something else: `body` says so, as it would without this.
        try PathResolution.withResolvedIfPossible(path) { (resolved) throws(HtpasswdError) -> (Result, Bool) in
            guard let resolved,
                var opened = try? OpenedFile.open(resolved, path: path, writing: false, lock: .none)
            else { return (try body(), false) }
            // An interrupted edit this process may finish is finished first, so that `body` does not count
            // its own recovery as a change.
            if readersFinishInterruptedEdits, Journal.pending(resolved, file: opened.descriptor), mayWrite(resolved) {
                _ = try? finishPendingEdit(resolved)
            }
            if locked {
                let deadline = FileLock.Deadline(timeout: lockTimeout)
                if let relocked = try OpenedFile.open(
                    resolved, path: path, writing: false, lock: .shared(deadline, waiting: lockWaiting))
                {
                    opened = relocked
                }
                // An edit that died holding the file leaves something pending, which `body` finishes with the
                // write lock: this read lock would make it wait for itself.
                if Journal.pending(resolved, file: opened.descriptor) { opened.unlock() }
            }
            let fd = opened.descriptor
            // The open file's status and in-place edit mark, before and after reading: an in-place edit
            // changes them (an edit by rename does not change the open file's content).
            let before = FileStamp(openFile: fd, path: path)
            let result = try body()
            // The same file under the path (a symbolic link may have been pointed elsewhere), and nothing
            // written to it.
            let now = try? PathResolution.withResolved(path) { (now) throws(HtpasswdError) -> stat? in
                try? Syscall.lstat(in: now.directory, now.name)
            }
            let replaced = (now ?? nil).map { FileID($0) != FileID(fd) } ?? true
            // A stamp that cannot be taken proves nothing: the read counts as overtaken.
            let after = FileStamp(openFile: fd, path: path)
            return (result, replaced || before == nil || after != before)
        }
    }

    /// What ``scan(_:)-7k6tq`` saw of the file as a whole.
    public struct ScanSummary: Equatable, Sendable {
        /// The number of lines, counting a last line without a newline.
        public var lines = 0
        /// The file's size in bytes.
        public var size = 0
        /// The terminator of the last line (`.none`: the file does not end with a newline).
        public var lastTerminator = LineTerminator.none
        /// The number of lines that end with CRLF.
        public var crlfLines = 0
        /// The number of lines that end with LF alone.
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
        try scanOrStop(body).get()
    }

    /// ``scan(_:)-7k6tq`` for a `body` that may throw `Failure`: the scan stops there and returns it as it
    /// was thrown, so that each variant of `scan` rethrows the caller's error as itself.
    func scanOrStop<Failure: Error>(
        _ body: (ScannedLine) throws(Failure) -> Void
    ) throws(HtpasswdError) -> Swift.Result<ScanSummary, Failure> {
        let content = try openCurrentContent()
        let reader = LineReader(fd: content.descriptor)
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
            do throws(Failure) { try body(line) } catch { return .failure(error) }
        }
        summary.size = reader.bytesRead
        return .success(summary)
    }

    /// Reads the file's lines in order, as ``scan(_:)-7k6tq`` does (the same content, the same line numbers),
    /// for `body` to pull them one by one from `lines` (no call into `body` per line), skipping on request
    /// the lines that a ``TargetLineFilter`` does not keep.
    ///
    /// - Throws: What `body` throws, or a file error as ``read()`` does.
    package func withLines<Result>(
        _ body: (LineCursor) throws(HtpasswdError) -> Result
    ) throws(HtpasswdError) -> Result {
        let content = try openCurrentContent()
        let result = try body(LineCursor(reader: LineReader(fd: content.descriptor), path: path))
        // The descriptor stays open until `body` has read every line it wanted.
        _ = content.descriptor
        return result
    }

    /// The first `count` bytes of the file's current content (fewer when it is shorter), read as
    /// ``scan(_:)-7k6tq`` reads it: the path resolved safely, an interrupted edit's new content if one is
    /// pending. For a look at the start of the file (a byte order mark) without reading all of it.
    ///
    /// - Throws: A file error, as ``read()`` does.
    public func prefix(_ count: Int) throws(HtpasswdError) -> [UInt8] {
        let content = try openCurrentContent()
        var bytes = [UInt8](repeating: 0, count: max(0, min(count, content.size)))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes {
                Glibc.read(content.descriptor, $0.baseAddress! + filled, $0.count - filled)
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw .system(.read, path: path, errno: Errno(rawValue: errno)) }
            if n == 0 { break }
            filled += n
        }
        return Array(bytes[..<filled])
    }

    /// The size of the file's current content, in bytes.
    public func contentSize() throws(HtpasswdError) -> Int {
        try openCurrentContent().size
    }

    /// The file's current content, open for reading, and its size: the file, after finishing an interrupted
    /// in-place edit if one is pending and this process may write the file — or else the complete new
    /// content in that edit's journal, when a trusted one is next to the file.
    private func openCurrentContent() throws(HtpasswdError) -> OpenContent {
        try PathResolution.withResolved(path) { (resolved) throws(HtpasswdError) -> OpenContent in
            guard let opened = try OpenedFile.open(resolved, path: path, writing: false, lock: .none) else {
                throw .fileNotFound(path: path)
            }
            let fd = opened.descriptor
            let size = Int(opened.info.st_size)
            guard Journal.pending(resolved, file: fd) else { return opened.content(size: size) }
            // Finished, or out of reach (another mount namespace), or failed: read what is there.
            if readersFinishInterruptedEdits, mayWrite(resolved), (try? finishPendingEdit(resolved)) != nil,
                !Journal.pending(resolved, file: fd)
            {
                return opened.content(size: try currentSize(fd, resolved))
            }
            // Not allowed to finish it (a reader without write access), or it failed: read what the edit would
            // write, if a trusted journal has it; otherwise the file as it is, as the servers do.
            let context = Journal.Context(resolved: resolved, file: fd, info: opened.info)
            if let journal = Journal.openContent(context) { return journal }
            return opened.content(size: try currentSize(fd, resolved))
        }
    }

    /// The size of the open file `fd` now.
    private func currentSize(_ fd: CInt, _ resolved: ResolvedPath) throws(HtpasswdError) -> Int {
        do throws(SystemError) { return Int(try Syscall.fstat(fd).st_size) } catch { throw error.at(resolved.path) }
    }

    /// Whether this process may finish an interrupted edit of the file: write it, and create and remove files
    /// in its directory. A reader that may not does not take the lock at all.
    func mayWrite(_ resolved: ResolvedPath) -> Bool {
        let file = resolved.name.withPlatformString {
            faccessat(resolved.directory, $0, W_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW)
        }
        return file == 0 && faccessat(resolved.directory, ".", W_OK | X_OK, AT_EACCESS) == 0
    }
}

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
/// The path is resolved once per operation by a safe walk (links followed only where the kernel's
/// `protected_symlinks` rule would, no step out of another user's directory or link into a third user's
/// file; see ``PathRefusal``), and everything after that is done relative to the file's directory. An edit
/// opens the file for writing and takes its write lock (only those who may write the file can; see
/// <doc:StoreGuarantees>), reads the current file under it, and writes the result in one of two ways
/// (``WriteMode``):
/// - **rename** (the default): a temporary file in the same directory, synced, given the file's mode
///   (never its set-user-ID, set-group-ID or sticky bits), owner and group, renamed over the file; then the
///   directory is synced. Readers see the old file or
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
    /// How long an edit waits for another one to finish; ``defaultLockTimeout`` unless given.
    public var lockTimeout: Duration
    /// How edits are written.
    public var writeMode: WriteMode
    /// Called once when an operation has waited a second for the lock, with the file and the process that
    /// holds the lock (nil if it cannot be told): a command line tells its user why nothing happens.
    public var lockWaiting: (@Sendable (FilePath, LockHolder?) -> Void)?
    /// Whether reading (``read()``, ``scan(_:)-7k6tq``, ``withConsistentReads(_:)``) finishes an interrupted
    /// in-place edit when this process may write the file; true by default. When false, a reader never writes:
    /// it reads the complete new content in the edit's journal, as a reader without write access does (a
    /// server that must only read the file, such as `htpass serve`). Edits always finish it first.
    public var readersFinishInterruptedEdits = true

    /// The store of the htpasswd file at `path`. Nothing is read or checked until an operation.
    ///
    /// - Parameters:
    ///   - path: The htpasswd file. Resolved anew, safely, by every operation.
    ///   - lockTimeout: How long an operation waits for another edit's lock.
    ///   - writeMode: How edits replace the content.
    public init(path: FilePath, lockTimeout: Duration = defaultLockTimeout, writeMode: WriteMode = .auto) {
        self.path = path
        self.lockTimeout = lockTimeout
        self.writeMode = writeMode
    }

    /// The store of the htpasswd file at `path` (its UTF-8 bytes); see ``init(path:lockTimeout:writeMode:)-(FilePath,_,_)``.
    public init(path: String, lockTimeout: Duration = defaultLockTimeout, writeMode: WriteMode = .auto) {
        self.init(path: FilePath(path), lockTimeout: lockTimeout, writeMode: writeMode)
    }

    /// How long an edit waits for another one when no timeout is given: 10 seconds.
    public static let defaultLockTimeout: Duration = .seconds(10)

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
        /// The file must exist (``HtpasswdError/fileSystem(_:)`` (``FileSystemError/Code/notFound``) otherwise).
        case mustExist
        /// Create the file if it is missing.
        case createIfMissing
        /// The file must not exist (``HtpasswdError/fileSystem(_:)`` (``FileSystemError/Code/fileExists``) otherwise).
        case mustNotExist
        /// Start from an empty file whether or not it exists; an existing file keeps its mode and owner.
        case replace
    }

    /// Mode and group for a file that an edit creates. An existing file always keeps its own.
    public struct NewFileAttributes: Equatable, Sendable {
        /// The permission bits.
        public var mode: UInt32
        /// The group id; nil for the caller's group.
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
        /// How the new content reached the file.
        public enum Method: Equatable, Sendable {
            /// Nothing changed, so nothing was written.
            case none
            /// A new copy renamed over the file (``WriteMode/rename``).
            case rename
            /// Written over the file itself, through a journal (``WriteMode/inPlace``).
            case inPlace
        }

        /// How the edit was written.
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

        /// Nothing written yet.
        public init() {}
    }

    /// What ``apply(_:creation:attributes:)`` did.
    public struct EditReport: Equatable, Sendable {
        /// What the changes did to the content.
        public var outcome: EditOutcome
        /// How the content was written.
        public var write: WriteReport
    }

    /// What ``edit(creation:attributes:_:)-6fuqo`` returned, and how the edit was written.
    public struct Edited<Result> {
        /// What the edit's closure returned.
        public var result: Result
        /// How the content was written.
        public var write: WriteReport
    }

    /// The facts about where the file sits (see ``FilePlacement``), as an edit in ``WriteMode/auto`` mode
    /// would find them.
    public func placement() throws(HtpasswdError) -> FilePlacement {
        do throws(HtpasswdError) {
            return try PathResolution.withResolved(path, finalMayBeDirectory: true) {
                (resolved) throws(HtpasswdError) -> FilePlacement in
                try Placement.detect(directory: resolved.directory, name: resolved.name, path: resolved.path)
            }
        } catch {
            // A directory on the way is missing: so is the file.
            if case .fileSystem(let failure) = error, failure.code == .notFound { return FilePlacement(target: path) }
            throw error
        }
    }

    /// What an edit would say about an interrupted in-place edit of the file, without finishing it or
    /// changing anything: ``HtpasswdError/untrustedJournal(path:journal:owner:)`` for something under the
    /// journal's name that root, this process's user and the file's owner do not own; nil when there is
    /// nothing of the kind (or no file).
    public func journalProblem() throws(HtpasswdError) -> HtpasswdError? {
        try PathResolution.withResolved(path) { (resolved) throws(HtpasswdError) -> HtpasswdError? in
            guard let opened = try OpenedFile.open(resolved, path: path, writing: false, lock: .none) else {
                return nil
            }
            let context = Journal.Context(resolved: resolved, file: opened.descriptor, info: opened.info)
            // A trusted journal found here is closed again when this returns.
            if case .untrusted(let owner) = try Journal.lookUp(context) {
                return .untrustedJournal(path: path, journal: context.journalPath, owner: owner)
            }
            return nil
        }
    }
}

extension HtpasswdStore.Edited: Sendable where Result: Sendable {}
extension HtpasswdStore.Edited: Equatable where Result: Equatable {}

extension FileLock.Deadline {
    /// The deadline `timeout` from now (a negative timeout is none).
    init(timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        self.init(timeout: max(0, Double(seconds) + Double(attoseconds) / 1e18))
    }
}

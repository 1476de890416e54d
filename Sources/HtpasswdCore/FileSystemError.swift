import SystemPackage

/// A failure of the file system under an htpasswd file: what kind (``code``), on which ``path``, and, when a
/// system call failed, which one (``systemCall``) and its ``errno``.
///
/// The store's API throws it wrapped, as ``HtpasswdError/fileSystem(_:)``, beside the errors of the other
/// layers (the lock and the journal, the edit's conditions, validation, hashing). Modelled on swift-nio's
/// `FileSystemError`: the code is a struct with static members, so that a code can be added without
/// breaking a `switch`; everything else is a field, so that a program decides what to do without reading
/// text. The ``description`` states the facts in one line (`Cannot open '/etc/htpasswd': Permission
/// denied`) and gives no advice: what to do is the calling program's decision.
///
/// ```swift
/// do throws(HtpasswdError) {
///     try store.apply(changes)
/// } catch .fileSystem(let failure) where failure.code == .notFound {
///     print("no file at \(failure.path); create it first")
/// } catch .fileSystem(let failure) where failure.errno == .permissionDenied {
///     print("may not \(failure.systemCall?.phrase ?? "open") \(failure.path)")
/// }
/// ```
public struct FileSystemError: Error, Sendable {
    /// The kind of failure. Extensible: compare with the static members, and keep a default branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case notFound, fileExists, notRegularFile, systemCallFailed
        }
        private let value: Value

        /// The file does not exist, or a directory on its path does not.
        public static let notFound = Code(value: .notFound)
        /// The file exists, and the operation must create it.
        public static let fileExists = Code(value: .fileExists)
        /// The path names something other than a regular file: a directory, a device, a FIFO.
        public static let notRegularFile = Code(value: .notRegularFile)
        /// A system call failed: ``FileSystemError/systemCall`` and ``FileSystemError/errno`` say which and how.
        public static let systemCallFailed = Code(value: .systemCallFailed)

        /// The code's name, as in the source: `notFound`.
        public var description: String {
            switch value {
            case .notFound: "notFound"
            case .fileExists: "fileExists"
            case .notRegularFile: "notRegularFile"
            case .systemCallFailed: "systemCallFailed"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The path the failure concerns: the htpasswd file, its directory, a temporary file or the journal.
    public var path: FilePath
    /// The system call that failed, if one did.
    public var systemCall: SystemCall?
    /// What the system call returned, if one failed.
    public var errno: Errno?
    /// The failure underneath this one, if another was turned into it (the failed look-up of a directory
    /// that makes a file ``Code/notFound``). It explains, it does not identify: `==` does not compare it.
    public var cause: (any Error & Sendable)?

    /// A failure with the facts known.
    public init(
        _ code: Code, path: FilePath, systemCall: SystemCall? = nil, errno: Errno? = nil,
        cause: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.path = path
        self.systemCall = systemCall
        self.errno = errno
        self.cause = cause
    }

    /// The failure of the system call `call` on `path` with `errno`.
    public static func systemCallFailed(_ call: SystemCall, path: FilePath, errno: Errno) -> FileSystemError {
        FileSystemError(.systemCallFailed, path: path, systemCall: call, errno: errno)
    }
}

extension FileSystemError: Equatable {
    /// Equal when the code, path, system call and `errno` are; the ``cause`` is not compared.
    public static func == (lhs: FileSystemError, rhs: FileSystemError) -> Bool {
        lhs.code == rhs.code && lhs.path == rhs.path && lhs.systemCall == rhs.systemCall && lhs.errno == rhs.errno
    }
}

extension FileSystemError: CustomStringConvertible {
    /// The facts in one line, with the path as ``Swift/String/init(displaying:)-(FilePath)`` shows it.
    public var description: String {
        switch code {
        case .notFound: "No such file '\(path.display)'"
        case .fileExists: "File '\(path.display)' already exists"
        case .notRegularFile: "'\(path.display)' is not a regular file"
        default:
            "Cannot \(systemCall?.phrase ?? "use") '\(path.display)'" + (errno.map { ": \($0)" } ?? "")
        }
    }
}

extension HtpasswdError {
    // The store's own shorthands for its file-system failures.
    static func fileNotFound(path: FilePath, cause: (any Error & Sendable)? = nil) -> HtpasswdError {
        .fileSystem(FileSystemError(.notFound, path: path, cause: cause))
    }
    static func fileExists(path: FilePath) -> HtpasswdError { .fileSystem(FileSystemError(.fileExists, path: path)) }
    static func notRegularFile(path: FilePath) -> HtpasswdError {
        .fileSystem(FileSystemError(.notRegularFile, path: path))
    }
    static func system(_ call: SystemCall, path: FilePath, errno: Errno) -> HtpasswdError {
        .fileSystem(.systemCallFailed(call, path: path, errno: errno))
    }
}

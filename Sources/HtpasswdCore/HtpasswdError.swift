import SystemPackage

/// The one error the store's API throws: a failure of one layer under it, each in its own case.
///
/// A wrong password is not an error; see `HtpasswdVerifier`. The layers:
///
/// - The file system: ``fileSystem(_:)`` wraps a ``FileSystemError`` (a code, the path, the system call,
///   `errno`, a cause).
/// - The store's rules for the file: ``ownerNotKept(path:owner:group:)``, ``unsafePath(path:at:refusal:)``,
///   ``lockTimeout(path:seconds:holder:)``.
/// - The journal of in-place edits: ``interruptedEditElsewhere(path:journal:)``,
///   ``editPending(path:journal:failure:)``, ``interruptedEditNotFinished(path:journal:failure:)``,
///   ``untrustedJournal(path:journal:owner:)``.
/// - The edit's conditions: ``userNotFound(user:)``, ``changedSinceRead(user:)``.
/// - Validation, wrapping the validating type's own error where one error type is needed:
///   ``invalidUserName(_:)`` (``UserName/Problem``), ``invalidHash(_:)`` (``PasswordHash/Problem``),
///   ``invalidPassword(_:)`` (``PasswordProblem``), ``invalidHashParameter(_:)``
///   (``PasswordHasher/ParameterProblem``); ``notVerifiable(by:_:)``.
/// - Hashing: ``hashingFailed(algorithm:errno:)``, ``randomFailed(errno:)``.
///
/// Each case carries what happened and its description says so in one line. What to do about it depends on
/// the program using the library, so advice is left to it (the `htpass` command adds its own, naming its
/// options). An error thrown by your own closure (``HtpasswdStore/edit(creation:attributes:_:)-31vnl``)
/// is never wrapped in this type: it comes out as itself.
public enum HtpasswdError: Error, Equatable, Sendable {
    // The file system
    /// The file system failed: the file is missing or exists, is not a regular file, or a system call on
    /// it, its directory, a temporary file or the journal failed.
    case fileSystem(FileSystemError)

    // The store's rules
    /// The file's owner or group cannot be given to the replacement: only its owner (for the group) or
    /// root may do that. Nothing was changed.
    case ownerNotKept(path: FilePath, owner: UInt32, group: UInt32)
    /// Another process held the lock for longer than the timeout: `holder`, when it can be told.
    case lockTimeout(path: FilePath, seconds: Double, holder: LockHolder?)
    /// A step of the path is refused (see ``PathRefusal``): `at` is where. Nothing was read or changed.
    case unsafePath(path: FilePath, at: FilePath, refusal: PathRefusal)
    // The edit's conditions
    /// The user does not exist in the file.
    case userNotFound(user: [UInt8])
    /// An in-place edit of the file, made from another mount namespace (a container, or the host), was
    /// interrupted, and its journal is there: finishing it is only possible from there. Nothing was changed.
    case interruptedEditElsewhere(path: FilePath, journal: FilePath)
    /// An in-place edit of the file passed its commit point (its new content is complete and durable in
    /// `journal`), but finishing it failed twice with `failure`. The
    /// file may hold part of the new content until the next edit or read of the file through
    /// ``HtpasswdStore`` finishes the edit, which it does before anything else.
    case editPending(path: FilePath, journal: FilePath, failure: FileSystemError)
    /// An earlier in-place edit of the file was interrupted past its commit point, and finishing it before
    /// this edit failed twice with `failure`: this edit was not made. Its complete new content is in
    /// `journal`; the file may hold part of it until the next edit, or ``HtpasswdStore/finishInterruptedEdit()``
    /// (`htpass recover`), finishes it.
    case interruptedEditNotFinished(path: FilePath, journal: FilePath, failure: FileSystemError)
    /// Next to the file, or where the file's in-place edit mark points, is the complete journal of an
    /// interrupted edit of this file, but it belongs to `owner`, who may not write the file as far as htpass
    /// can tell (its mode, /etc/passwd, /etc/group): it is neither written over the file nor removed.
    /// Nothing was changed.
    case untrustedJournal(path: FilePath, journal: FilePath, owner: UInt32)
    /// A condition of ``HtpasswdChanges/expect(_:for:)-(_,Collection<UInt8>)`` did not hold: the user's line changed since it
    /// was read. Nothing was changed.
    case changedSinceRead(user: [UInt8])

    // Input
    /// The user name breaks one of the rules in ``UserName``: what ``UserName/init(_:)-(Collection<UInt8>)``
    /// threw, where a caller of the store's API needs one error type.
    case invalidUserName(UserName.Problem)
    /// The password cannot be hashed with the chosen algorithm: what ``PasswordHasher/check(_:)-(Collection<UInt8>)``
    /// threw.
    case invalidPassword(PasswordProblem)
    /// The bytes cannot be a hash in a file: what ``PasswordHash/init(_:)-(Collection<UInt8>)`` threw.
    case invalidHash(PasswordHash.Problem)
    /// A hasher's cost or rounds is out of range or does not apply to its algorithm: what
    /// ``PasswordHasher/init(algorithm:cost:rounds:)`` threw.
    case invalidHashParameter(PasswordHasher.ParameterProblem)
    /// A server the file is for cannot verify hashes made this way.
    case notVerifiable(by: Target, TargetRefusal)

    // Hashing
    /// libxcrypt returned a failure token (such as `*0`) or an error instead of a hash.
    case hashingFailed(algorithm: Algorithm, errno: Errno)
    /// The system's random number generator failed.
    case randomFailed(errno: Errno)
}

/// Why a password was refused: the error ``PasswordHasher/check(_:)-(Collection<UInt8>)`` throws.
///
/// Its description states the fact as a sentence; what to do is left to the program.
public enum PasswordProblem: Error, Equatable, Sendable {
    /// The algorithm uses only the first `limit` bytes; a longer password would be silently truncated.
    case tooLong(algorithm: Algorithm, limit: Int, length: Int)
    /// A NUL byte: crypt(3) and the servers stop reading the password there.
    case containsNUL
    /// The empty password was not explicitly allowed.
    case empty
}

extension HtpasswdError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .fileSystem(let failure):
            failure.description
        case .ownerNotKept(let path, let owner, let group):
            "Cannot keep the owner \(owner) and group \(group) of '\(path.display)', so nothing was changed"
        case .lockTimeout(let path, let seconds, let holder):
            "\(holder.map { "\($0)".capitalizedFirst } ?? "Another process") has held the lock on '\(path.display)' for \(seconds.formattedSeconds) s"
        case .unsafePath(let path, let at, let refusal):
            "Refusing '\(path.display)': \(refusal.explanation(at: at))"
        case .userNotFound(let user):
            "No user '\(String(displaying: user))' in the file"
        case .interruptedEditElsewhere(let path, let journal):
            "An in-place edit of '\(path.display)' made in another mount namespace was interrupted; its journal is '\(journal.display)' there, so nothing was changed"
        case .editPending(let path, let journal, let failure):
            "The edit of '\(path.display)' is complete in its journal '\(journal.display)' but could not be written to the file (\(failure)); until it is, servers may read part of it"
        case .untrustedJournal(let path, let journal, let owner):
            "'\(journal.display)' is the journal of an interrupted edit of '\(path.display)', but it belongs to user \(owner), who is neither root, this process's user, nor the file's owner; it was neither used nor removed, and nothing was changed"
        case .interruptedEditNotFinished(let path, let journal, let failure):
            "An interrupted in-place edit of '\(path.display)' could not be finished from its journal '\(journal.display)' (\(failure)), so nothing was changed; until it is finished, servers may read part of it"
        case .changedSinceRead(let user):
            "The entry of '\(String(displaying: user))' changed while the edit was prepared; nothing was changed"
        case .invalidUserName(let problem):
            "Invalid user name: \(problem)"
        case .invalidPassword(let problem):
            "\(problem)"
        case .invalidHash(let problem):
            "Invalid hash: \(problem)"
        case .invalidHashParameter(let problem):
            "\(problem)"
        case .notVerifiable(let target, let refusal):
            "\(target.displayName) cannot verify \(refusal)"
        case .hashingFailed(let algorithm, let errno) where errno == .outOfRange:
            "The password is too long for \(algorithm.rawValue): libxcrypt takes passwords of at most 511 bytes; nothing was written"
        case .hashingFailed(let algorithm, let errno):
            "libxcrypt could not make a \(algorithm.rawValue) hash (\(errno)); nothing was written"
        case .randomFailed(let errno):
            "The system random number generator failed: \(errno)"
        }
    }
}

extension PasswordProblem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .tooLong(let algorithm, let limit, let length):
            "The password is \(length) bytes but \(algorithm.rawValue) uses only the first \(limit)"
        case .containsNUL:
            "The password contains a NUL byte, which servers cannot receive"
        case .empty:
            "The password is empty"
        }
    }
}

extension PathRefusal {
    /// What was refused at `at`, as a clause.
    func explanation(at: FilePath) -> String {
        switch self {
        case .protectedSymlink(let linkOwner, let directoryOwner):
            "'\(at.display)' is a symbolic link of user \(linkOwner) in a sticky, world-writable directory of user \(directoryOwner); such a link is followed only for its owner or the directory's"
        case .unsafeTransition(let fromOwner, let toOwner):
            "'\(at.display)' belongs to user \(toOwner) but is reached through a directory or link of user \(fromOwner), who could put anything there"
        }
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

extension Double {
    var formattedSeconds: String {
        let tenths = Int((self * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }
}

/// Everything that can go wrong in `HtpasswdCore`: reading and editing htpasswd files, and hashing.
///
/// A wrong password is not an error; see `HtpasswdVerifier`. Each case's description is one line that
/// says what is wrong and, where there is one, what to do next.
public enum HtpasswdError: Error, Equatable, Sendable {
    // Files
    /// The file does not exist.
    case fileNotFound(path: String)
    /// The file exists but the operation must create it.
    case fileExists(path: String)
    /// The path names something other than a regular file (a directory, a device...).
    case notRegularFile(path: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// The file's owner or group cannot be given to the replacement: only its owner (for the group) or
    /// root may do that. Nothing was changed.
    case ownerNotKept(path: String, owner: UInt32, group: UInt32)
    /// Another process held the lock for longer than the timeout.
    case lockTimeout(path: String, seconds: Double)
    /// The user does not exist in the file.
    case userNotFound(user: String)

    // Input
    /// The user name breaks one of the rules in ``UserName``.
    case invalidUserName(UserName.Problem)
    /// The password cannot be hashed with the chosen algorithm.
    case invalidPassword(PasswordProblem)
    /// The bcrypt cost is outside 4...31.
    case invalidCost(Int)
    /// The SHA-crypt rounds are outside 1000...999 999 999.
    case invalidRounds(Int)
    /// The option does not apply to the algorithm (e.g. `--cost` with sha512).
    case optionNotApplicable(option: String, algorithm: Algorithm)

    // Hashing
    /// libxcrypt returned a failure token (such as `*0`) or an error instead of a hash.
    case hashingFailed(algorithm: Algorithm, errno: Int32)
    /// The system's random number generator failed.
    case randomFailed(errno: Int32)
}

/// Why a password was refused.
public enum PasswordProblem: Equatable, Sendable {
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
        case .fileNotFound(let path):
            "No such file '\(path)'; use 'htpass create' or '--create' to make it"
        case .fileExists(let path):
            "File '\(path)' already exists; use 'htpass add' to change it, or '--force' to replace it"
        case .notRegularFile(let path):
            "'\(path)' is not a regular file; give the path of an htpasswd file"
        case .io(let operation, let path, let errno):
            "Cannot \(operation) '\(path)': \(SystemErrorText.describe(errno))"
        case .ownerNotKept(let path, let owner, let group):
            "Cannot keep the owner \(owner) and group \(group) of '\(path)', so nothing was changed; run htpass as the file's owner or as root"
        case .lockTimeout(let path, let seconds):
            "Another process has held the lock on '\(path)' for \(seconds.formattedSeconds) s; try again, or raise --lock-timeout"
        case .userNotFound(let user):
            "No user '\(user)' in the file; check the name with 'htpass list', or pass '--missing-ok'"
        case .invalidUserName(let problem):
            "Invalid user name: \(problem)"
        case .invalidPassword(let problem):
            "\(problem)"
        case .invalidCost(let cost):
            "bcrypt cost \(cost) is out of range; use 4 to 31 (default 10)"
        case .invalidRounds(let rounds):
            "SHA-crypt rounds \(rounds) is out of range; use 1000 to 999999999 (default 5000)"
        case .optionNotApplicable(let option, let algorithm):
            "\(option) does not apply to \(algorithm.rawValue); use --cost with bcrypt, --rounds with sha256 or sha512"
        case .hashingFailed(let algorithm, let errno):
            "libxcrypt could not make a \(algorithm.rawValue) hash (\(SystemErrorText.describe(errno))); nothing was written"
        case .randomFailed(let errno):
            "The system random number generator failed: \(SystemErrorText.describe(errno))"
        }
    }
}

extension PasswordProblem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .tooLong(let algorithm, let limit, let length):
            "The password is \(length) bytes but \(algorithm.rawValue) uses only the first \(limit); use a shorter password or another algorithm (-a sha512)"
        case .containsNUL:
            "The password contains a NUL byte, which servers cannot receive; remove it"
        case .empty:
            "The password is empty; pass --allow-empty if that is really wanted"
        }
    }
}

extension Double {
    var formattedSeconds: String {
        let tenths = Int((self * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }
}

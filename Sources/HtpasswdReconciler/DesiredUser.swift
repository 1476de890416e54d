import HtpasswdCore
import SystemPackage

/// One user of a desired state, and how to know it: a password to hash (and to check an existing entry
/// against), or a hash to write as it is.
public struct DesiredUser: Equatable, Sendable {
    /// How the user's line is known.
    public enum Credential: Equatable, Sendable {
        /// A password: hashed with the reconciler's hasher, and checked against an existing entry.
        case password([UInt8])
        /// A hash, written as it is.
        case hash(PasswordHash)
    }

    /// The user.
    public var user: UserName
    /// Its password or hash.
    public var credential: Credential
    /// Where the user was given (a line of a SPEC file), for messages; 0 if nowhere in particular.
    public var line: Int

    /// The user `user` with `credential`, given on `line` of a SPEC file (0: built in code).
    public init(user: UserName, credential: Credential, line: Int = 0) {
        self.user = user
        self.credential = credential
        self.line = line
    }

    /// A user known by a password (its UTF-8 bytes).
    public init(user: UserName, password: String) {
        self.init(user: user, credential: .password(Array(password.utf8)))
    }

    /// A user known by a password.
    public init(user: UserName, password: some Collection<UInt8>) {
        self.init(user: user, credential: .password(Array(password)))
    }

    /// A user whose line gets `hash` as it is.
    public init(user: UserName, hash: PasswordHash) {
        self.init(user: user, credential: .hash(hash))
    }

    /// The user named by the UTF-8 bytes of `user`, known by a password (its UTF-8 bytes):
    /// `DesiredUser(user: "alice", password: secret)`.
    ///
    /// - Throws: ``/HtpasswdCore/UserName/Problem`` when the name breaks a rule of ``/HtpasswdCore/UserName``.
    public init(user: String, password: String) throws(UserName.Problem) {
        self.init(user: try UserName(user), password: password)
    }

    /// The user named by the UTF-8 bytes of `user`, whose line gets `hash` as it is.
    ///
    /// - Throws: ``/HtpasswdCore/UserName/Problem`` when the name breaks a rule of ``/HtpasswdCore/UserName``.
    public init(user: String, hash: PasswordHash) throws(UserName.Problem) {
        self.init(user: try UserName(user), hash: hash)
    }
}

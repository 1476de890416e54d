import HtpasswdCore
import HtpasswdVerifier
import SystemPackage

extension [UInt8] {
    /// The user's name for a ``DesiredUser/SpecError``: only when there is no line to name (a user built in code).
    fileprivate func unlessOnLine(_ line: Int) -> [UInt8]? { line > 0 ? nil : self }
}

extension DesiredUser {
    /// Why a line of a SPEC is refused.
    public struct SpecError: Error, Equatable, Sendable, CustomStringConvertible {
        /// What is wrong with the line.
        public enum Problem: Equatable, Sendable {
            /// The line has no `:` between the user and the password or hash.
            case noColon
            /// The user name cannot be written.
            case invalidUserName(UserName.Problem)
            /// The user was already given, on line `firstLine` (0 for a user built in code).
            case duplicateUser(firstLine: Int)
            /// The hash given as it is cannot be written.
            case invalidHash(PasswordHash.Problem)
            /// The password is empty (not allowed), contains NUL, or is longer than the format uses.
            case invalidPassword(PasswordProblem)
            /// A hash given as it is can match no password, whatever the server.
            case unverifiableHash(HashDefect)
            /// A server the file is for cannot verify the line: the hash given, or a hash of this password
            /// made the way the hasher makes them.
            case notVerifiable(by: Target, TargetRefusal)
            /// A server the file is for would refuse the whole file over this line (Envoy loads `{SHA}`
            /// hashes of one length only).
            case refusesFile(by: Target, FileRefusal)
        }

        /// The 1-based line of the SPEC; 0 for a user built in code (``DesiredUser/line``).
        public var line: Int
        /// What is wrong.
        public var problem: Problem
        /// The user, for a user built in code (``line`` 0), whom ``description`` then names; nil otherwise.
        public var user: [UInt8]?

        /// The problem `problem` of line `line` (0: no line), about `user` if known.
        public init(line: Int, problem: Problem, user: [UInt8]? = nil) {
            self.line = line
            self.problem = problem
            self.user = user
        }

        public var description: String {
            let what: String =
                switch problem {
                case .noColon: "no ':' between the user and the password"
                case .invalidUserName(let problem): "invalid user name: \(problem)"
                case .duplicateUser(let first) where first > 0: "the user is already on line \(first)"
                case .duplicateUser: "the user is listed more than once"
                case .invalidHash(let problem): "invalid hash: \(problem)"
                case .invalidPassword(let problem): "\(problem)"
                case .unverifiableHash(let defect): "the hash is \(defect)"
                case .notVerifiable(let target, let refusal): "\(target.displayName) cannot verify \(refusal)"
                case .refusesFile(let target, let refusal): "\(target.displayName) would refuse the file: \(refusal)"
                }
            // Facts only: a command line says where the lines come from ("SPEC line 3: ...").
            if line > 0 { return "line \(line): \(what)" }
            if let user { return "user '\(String(displaying: user))': \(what)" }
            return what
        }
    }

    /// Checks `users` before they are applied to a file that `targets` read, and names the first line that
    /// is refused: a user listed twice, or one of the following. Nothing is hashed, so this takes no longer at bcrypt cost 20 than at 4.
    ///
    /// - A password that `hasher` would truncate or that no server could receive
    ///   (``/HtpasswdCore/PasswordHasher/check(_:)-(Collection<UInt8>)``), or that one of `targets` cannot
    ///   verify in the hasher's format at its length (musl's SHA-crypt stops at 256 bytes). The empty
    ///   password is refused unless the hasher ``/HtpasswdCore/PasswordHasher/allowsEmptyPassword`` (for a
    ///   SPEC, ``parseSpec(_:hashed:allowEmpty:)`` refuses it first, naming the line).
    /// - A hash that no password can match (``HashDefect``: a failure token, bare plaintext, a malformed
    ///   bcrypt hash), and one that one of `targets` cannot verify: its format, bcrypt cost or prefix,
    ///   SHA-crypt rounds, or a shape over which it refuses the whole file (Envoy). With no targets, hashes are checked against nginx (``/HtpasswdCore/Target/nginx``),
    ///   the default reader of `htpass check` and `htpass verify`.
    ///
    /// ``Reconciler/apply(_:creation:attributes:dryRun:beforeWrite:)`` writes a hash it is given as it is: validate first.
    ///
    /// - Throws: ``SpecError`` for the first user refused, with the user's ``line``.
    public static func validate(
        _ users: [DesiredUser], hasher: PasswordHasher, targets: [Target]
    ) throws(SpecError) {
        let format = hasher.format
        let hashReaders = targets.isEmpty ? [Target.default] : targets
        var firstLines: [[UInt8]: Int] = [:]
        for user in users {
            if let first = firstLines.updateValue(user.line, forKey: user.user.bytes) {
                throw SpecError(
                    line: user.line, problem: .duplicateUser(firstLine: first),
                    user: user.user.bytes.unlessOnLine(user.line))
            }
            switch user.credential {
            case .password(let password):
                do throws(PasswordProblem) { try hasher.check(password) } catch {
                    throw SpecError(
                        line: user.line, problem: .invalidPassword(error), user: user.user.bytes.unlessOnLine(user.line)
                    )
                }
                for target in targets {
                    if let refusal = target.profile.refusal(for: hasher)
                        ?? target.profile.refusal(forPasswordOf: password.count, format: format)
                    {
                        throw SpecError(
                            line: user.line, problem: .notVerifiable(by: target, refusal),
                            user: user.user.bytes.unlessOnLine(user.line))
                    }
                }
            case .hash(let hash):
                if let defect = HashDefect(hash.bytes) {
                    throw SpecError(
                        line: user.line, problem: .unverifiableHash(defect),
                        user: user.user.bytes.unlessOnLine(user.line))
                }
                let stored = hash.format
                for target in hashReaders {
                    if let refusal = target.profile.refusal(for: stored) {
                        throw SpecError(
                            line: user.line, problem: .notVerifiable(by: target, refusal),
                            user: user.user.bytes.unlessOnLine(user.line))
                    }
                    if let required = target.profile.reading.requiredHash,
                        let refusal = required.refusal(for: hash.bytes)
                    {
                        throw SpecError(
                            line: user.line, problem: .refusesFile(by: target, refusal),
                            user: user.user.bytes.unlessOnLine(user.line))
                    }
                }
            }
        }
    }

    /// The users of a SPEC: `user:password` lines as chpasswd(8) reads them (the password is the rest of
    /// the line, `:` included), or `user:hash` lines when `hashed`. A line ending is LF or CRLF; blank
    /// lines and lines starting with `#` are skipped. An empty password is refused unless `allowEmpty`.
    ///
    /// - Throws: ``SpecError`` for the first line that is refused.
    public static func parseSpec(
        _ bytes: [UInt8], hashed: Bool, allowEmpty: Bool = false
    ) throws(SpecError) -> [DesiredUser] {
        var users: [DesiredUser] = []
        var lines: [[UInt8]: Int] = [:]
        var number = 0
        for var line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            if line.last == 0x0D { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) || line.first == UInt8(ascii: "#") { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw SpecError(line: number, problem: .noColon)
            }
            let user: UserName
            do throws(UserName.Problem) { user = try UserName(line[..<colon]) } catch {
                throw SpecError(line: number, problem: .invalidUserName(error))
            }
            if let first = lines[user.bytes] {
                throw SpecError(line: number, problem: .duplicateUser(firstLine: first))
            }
            lines[user.bytes] = number
            let secret = Array(line[(colon + 1)...])
            let credential: Credential
            if hashed {
                do throws(PasswordHash.Problem) { credential = .hash(try PasswordHash(secret)) } catch {
                    throw SpecError(line: number, problem: .invalidHash(error))
                }
                users.append(DesiredUser(user: user, credential: credential, line: number))
                continue
            }
            if secret.isEmpty && !allowEmpty { throw SpecError(line: number, problem: .invalidPassword(.empty)) }
            if secret.contains(0) { throw SpecError(line: number, problem: .invalidPassword(.containsNUL)) }
            users.append(DesiredUser(user: user, credential: .password(secret), line: number))
        }
        return users
    }
}

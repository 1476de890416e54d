import Dispatch
import Glibc
import HtpasswdCore
import HtpasswdVerifier
import Synchronization
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

/// Brings an htpasswd file to a desired state in one locked write, without churn: a user whose line
/// already verifies with the given password, in the wanted format and cost, keeps its line byte for byte,
/// and nothing at all is written when nothing changes (the file keeps its inode and modification time).
///
/// ```swift
/// let reconciler = Reconciler(store: HtpasswdStore(path: "/etc/nginx/htpasswd"), hasher: try PasswordHasher())
/// let result = try reconciler.apply([DesiredUser(user: try UserName("alice"), credential: .password(pw))])
/// print(result.added, result.changed, result.removed, result.unchanged.count)
/// ```
///
/// Checking existing entries and hashing new passwords — the expensive part with bcrypt — run on all
/// cores (``jobs``), before the file is locked; the write then checks that the entries it planned against
/// have not changed in between (``/HtpasswdCore/HtpasswdChanges/expect(_:for:)-(_,Collection<UInt8>)``), and plans again if they have.
public struct Reconciler: Sendable {
    /// The file brought to the desired state.
    public var store: HtpasswdStore
    /// How new hashes are made, and what an existing hash must be to be kept.
    public var hasher: PasswordHasher
    /// Whether users the desired state does not name are removed.
    public var removesOthers = false
    /// How many hashes to compute at once; the number of processors by default.
    public var jobs: Int

    /// A reconciler of the file of `store` that hashes with `hasher`, removes the users it is not given
    /// when `removesOthers`, and computes `jobs` hashes at once (``processorCount`` when nil; at least 1).
    public init(store: HtpasswdStore, hasher: PasswordHasher, removesOthers: Bool = false, jobs: Int? = nil) {
        self.store = store
        self.hasher = hasher
        self.removesOthers = removesOthers
        self.jobs = max(1, jobs ?? Reconciler.processorCount)
    }

    /// The number of processors online.
    public static var processorCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Why a user's line changes.
    public enum ChangeReason: String, Equatable, Sendable {
        /// The password does not verify against the line.
        case password
        /// The line has another format than the one wanted.
        case algorithm
        /// The line has the wanted format with another bcrypt cost or SHA-crypt rounds.
        case cost
        /// A hash was given (``DesiredUser/init(user:hash:)-(UserName,_)``) and the line has another.
        case hash
        /// The line verifies, but the user has later lines too (which servers read differently).
        case duplicates
    }

    /// What reconciling did, or (dry run) would do.
    public struct Result: Equatable, Sendable {
        /// Users that were not in the file, in the order given.
        public var added: [UserName] = []
        /// Users whose line changes (a new hash), and why.
        public var changed: [Change] = []
        /// Users of the file that are not desired (with `removesOthers`), as bytes: a name another tool
        /// wrote may be one ``/HtpasswdCore/UserName`` refuses.
        public var removed: [[UInt8]] = []
        /// Users whose line stays as it is.
        public var unchanged: [UserName] = []
        /// Whether the file was written (false in a dry run, and when nothing changed).
        public var written = false
        /// How it was written, when it was.
        public var write: HtpasswdStore.WriteReport?
        /// Whether an interrupted in-place edit of the file was finished first (see
        /// ``/HtpasswdCore/HtpasswdStore/finishInterruptedEdit()``), in a dry run too.
        public var finishedInterruptedEdit = false
        /// Whether `beforeWrite` stopped the write: nothing was written.
        public var cancelled = false

        /// Whether anything differs from the desired state.
        public var hasChanges: Bool { !added.isEmpty || !changed.isEmpty || !removed.isEmpty }

        /// A user whose line changes, and why.
        public struct Change: Equatable, Sendable {
            /// The user.
            public var user: UserName
            /// Why its line changes.
            public var reason: ChangeReason

            /// The change of `user`'s line, for `reason`.
            public init(user: UserName, reason: ChangeReason) {
                self.user = user
                self.reason = reason
            }
        }
    }

    /// Brings the file to `desired`: one locked write, or none.
    ///
    /// An interrupted in-place edit of the file is finished first, in a dry run too, as every reader that
    /// may write the file does: planned against that edit's journal (what the readers see when they cannot
    /// finish it), a run would find nothing to do while the file still held the lines the edit replaces.
    /// If it cannot be finished, nothing is planned and the error says so.
    ///
    /// - Parameters:
    ///   - desired: The users. A user listed more than once gets the credential of the last listing, as a later
    ///     ``/HtpasswdCore/HtpasswdChanges/set(_:for:)-(_,UserName)`` replaces an earlier one (``DesiredUser/validate(_:hasher:targets:)``
    ///     refuses such a list).
    ///   - creation: ``/HtpasswdCore/HtpasswdStore/Creation/createIfMissing`` to create a missing file.
    ///   - attributes: Mode and group if the edit creates the file.
    ///   - dryRun: Only say what would change (no new hash is computed).
    ///   - beforeWrite: Called with what is about to be written, after the new hashes are computed and before
    ///     the write (again if the write finds the file changed and plans again); returning false writes
    ///     nothing, and the result then has ``Result/cancelled`` set. For a caller that must deliver a report
    ///     of the changes before they are made.
    /// - Throws: A hashing error (the desired state holds a password the hasher refuses: one it would
    ///   truncate, or the empty password unless ``/HtpasswdCore/PasswordHasher/allowsEmptyPassword``), or a file error:
    ///   ``/HtpasswdCore/HtpasswdError/interruptedEditNotFinished(path:journal:failure:)`` when an interrupted
    ///   edit cannot be finished. A hash in `desired` is written as it is, even one no password matches: check
    ///   `desired` with ``DesiredUser/validate(_:hasher:targets:)`` first.
    public func apply(
        _ desired: [DesiredUser], creation: HtpasswdStore.Creation = .mustExist,
        attributes: HtpasswdStore.NewFileAttributes = HtpasswdStore.NewFileAttributes(), dryRun: Bool = false,
        beforeWrite: (Result) -> Bool = { _ in true }
    ) throws(HtpasswdError) -> Result {
        let desired = Self.lastOfEachUser(desired)
        for user in desired {
            if case .password(let password) = user.credential {
                do throws(PasswordProblem) { try hasher.check(password) } catch { throw .invalidPassword(error) }
            }
        }
        let finished = try finishInterruptedEdit()
        var attempts = 0
        while true {
            attempts += 1
            var (plan, result) = try self.plan(desired, creation: creation)
            result.finishedInterruptedEdit = finished
            if dryRun || (!result.hasChanges && !plan.dedupes && plan.exists) { return result }
            var changes = HtpasswdChanges()
            changes.removesUnlisted = removesOthers
            let hashes = try newHashes(for: plan.toHash)
            for (index, user) in plan.toHash.enumerated() { changes.set(hashes[index], for: user.user) }
            for (user, hash) in plan.kept {
                if plan.dedupeUsers.contains(user.bytes) {
                    changes.set(hash, for: user)
                } else {
                    changes.keep(user.bytes)
                }
            }
            for (user, hash) in plan.expectations { changes.expect(rawHash: hash, for: user) }
            guard beforeWrite(result) else {
                result.cancelled = true
                return result
            }
            do throws(HtpasswdError) {
                let report = try store.apply(changes, creation: creation, attributes: attributes)
                var done = result
                done.written = report.write.method != .none
                done.write = report.write
                done.removed = report.outcome.removed
                return done
            } catch .changedSinceRead where attempts < 5 {
                continue  // Someone edited those users meanwhile: plan again against the new file.
            }
        }
    }

    /// `desired` with each user once, where its last listing was.
    static func lastOfEachUser(_ desired: [DesiredUser]) -> [DesiredUser] {
        var seen = Set<[UInt8]>()
        var kept: [DesiredUser] = []
        for user in desired.reversed() where seen.insert(user.user.bytes).inserted { kept.append(user) }
        return kept.count == desired.count ? desired : kept.reversed()
    }

    /// Finishes an interrupted in-place edit of the file under its lock, if one is pending; whether it did.
    ///
    /// - Throws: ``/HtpasswdCore/HtpasswdError/interruptedEditNotFinished(path:journal:failure:)`` when it
    ///   cannot, as an edit of the store does: that edit is an earlier one, and this one has not begun.
    private func finishInterruptedEdit() throws(HtpasswdError) -> Bool {
        do throws(HtpasswdError) {
            return try store.finishInterruptedEdit()
        } catch .editPending(let path, let journal, let failure) {
            throw .interruptedEditNotFinished(path: path, journal: journal, failure: failure)
        } catch {
            // No file, perhaps not even its directory (which the lock needs): no content of it can be half
            // written, and the plan says what is missing (or creates it) as it would without this.
            var info = stat()
            if store.path.withPlatformString({ stat($0, &info) }) != 0 && (errno == ENOENT || errno == ENOTDIR) {
                return false
            }
            throw error
        }
    }

    /// What the file holds and what must change.
    private struct Plan {
        var exists = true
        /// Users whose new hash must be computed.
        var toHash: [DesiredUser] = []
        /// Users whose line stays, with its hash.
        var kept: [(UserName, PasswordHash)] = []
        /// Users whose line stays but whose later lines go.
        var dedupeUsers: Set<[UInt8]> = []
        var dedupes: Bool { !dedupeUsers.isEmpty }
        /// The first-line hash of each desired user the plan was made against (nil: absent).
        var expectations: [([UInt8], [UInt8]?)] = []
    }

    private func plan(
        _ desired: [DesiredUser], creation: HtpasswdStore.Creation
    ) throws(HtpasswdError) -> (Plan, Result) {
        var index: [[UInt8]: Int] = [:]
        for (position, user) in desired.enumerated() { index[user.user.bytes] = position }
        var current = [(hash: [UInt8], lines: Int)?](repeating: nil, count: desired.count)
        var others: [[UInt8]] = []
        var seenOthers = Set<[UInt8]>()
        var plan = Plan()
        do throws(HtpasswdError) {
            try store.scan { line in
                guard line.kind == .entry else { return }
                let user = Array(line.user)
                if let position = index[user] {
                    if let existing = current[position] {
                        current[position] = (existing.hash, existing.lines + 1)
                    } else {
                        current[position] = (Array(line.hash), 1)
                    }
                } else if removesOthers, seenOthers.insert(user).inserted {
                    others.append(user)
                }
            }
        } catch .fileSystem(let failure)
            where failure.code == .notFound && (creation == .createIfMissing || creation == .replace)
        {
            plan.exists = false
        }

        // Which existing lines can stay: the wanted format, and the password verifies (checked in parallel).
        var result = Result()
        var reasons = [ChangeReason?](repeating: nil, count: desired.count)
        var toVerify: [Int] = []
        for (position, user) in desired.enumerated() {
            guard let existing = current[position] else { continue }
            switch user.credential {
            case .hash(let hash):
                if hash.bytes != existing.hash { reasons[position] = .hash }
            case .password:
                if let reason = formatReason(HashFormat(existing.hash)) {
                    reasons[position] = reason
                } else {
                    toVerify.append(position)
                }
            }
        }
        let snapshot = current
        let verified = parallelMap(toVerify) { position -> Bool in
            guard case .password(let password) = desired[position].credential, let existing = snapshot[position] else {
                return false
            }
            return Verifier().verify(password, against: existing.hash) == .match
        }
        for (slot, position) in toVerify.enumerated() where !verified[slot] { reasons[position] = .password }

        for (position, user) in desired.enumerated() {
            let existing = current[position]
            plan.expectations.append((user.user.bytes, existing?.hash))
            guard let existing else {
                result.added.append(user.user)
                plan.toHash.append(user)
                continue
            }
            if let reason = reasons[position] {
                result.changed.append(Result.Change(user: user.user, reason: reason))
                plan.toHash.append(user)
            } else if existing.lines > 1, let hash = try? PasswordHash(existing.hash) {
                result.changed.append(Result.Change(user: user.user, reason: .duplicates))
                plan.kept.append((user.user, hash))
                plan.dedupeUsers.insert(user.user.bytes)
            } else if let hash = try? PasswordHash(existing.hash) {
                result.unchanged.append(user.user)
                plan.kept.append((user.user, hash))
            }
        }
        result.removed = others
        return (plan, result)
    }

    /// Why a line of `format` is not one this reconciler writes; nil if it is.
    private func formatReason(_ format: HashFormat) -> ChangeReason? {
        guard let family = HashFamily(format), family == HashFamily(hasher.algorithm) else { return .algorithm }
        switch format {
        case .bcrypt(_, let cost): return cost == hasher.cost ? nil : .cost
        case .sha512(let rounds), .sha256(let rounds): return rounds == hasher.rounds ? nil : .cost
        default: return nil
        }
    }

    /// The hashes of `users`, computed in parallel: the passwords cut into ``jobs`` contiguous slices, each
    /// hashed on its own thread by `PasswordHasher.hashBatch` (which computes apr1 hashes many at once in
    /// SIMD lanes, and the others one by one). The first error in `users`' order is thrown.
    private func newHashes(for users: [DesiredUser]) throws(HtpasswdError) -> [PasswordHash] {
        var hashes = [PasswordHash?](repeating: nil, count: users.count)
        var positions: [Int] = []
        var passwords: [[UInt8]] = []
        for (index, user) in users.enumerated() {
            switch user.credential {
            case .hash(let hash): hashes[index] = hash
            case .password(let password):
                positions.append(index)
                passwords.append(password)
            }
        }
        let slices = Swift.min(jobs, passwords.count)
        if slices > 0 {
            let bounds = (0...slices).map { $0 * passwords.count / slices }
            let passwords = passwords
            let results = parallelMap(Array(0..<slices)) { slice -> Swift.Result<[PasswordHash], HtpasswdError> in
                Swift.Result { () throws(HtpasswdError) -> [PasswordHash] in
                    try hasher.hashBatch(Array(passwords[bounds[slice]..<bounds[slice + 1]]))
                }
            }
            for (slice, result) in results.enumerated() {
                for (offset, hash) in try result.get().enumerated() { hashes[positions[bounds[slice] + offset]] = hash }
            }
        }
        return hashes.map { $0! }
    }

    /// `transform` of every element, on ``jobs`` threads. Each thread keeps its results and hands them over
    /// once, under a lock: only `Sendable` values cross threads.
    private func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        let workers = min(jobs, items.count)
        guard workers > 1 else { return items.map(transform) }
        let done = Mutex<[(index: Int, result: R)]>([])
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var mine: [(index: Int, result: R)] = []
            var index = worker
            while index < items.count {
                mine.append((index, transform(items[index])))
                index += workers
            }
            done.withLock { $0.append(contentsOf: mine) }
        }
        var results = [R?](repeating: nil, count: items.count)
        for (index, result) in done.withLock({ $0 }) { results[index] = result }
        return results.map { $0! }
    }
}

extension [UInt8] {
    /// The user's name for a ``DesiredUser/SpecError``: only when there is no line to name (a user built in code).
    fileprivate func unlessOnLine(_ line: Int) -> [UInt8]? { line > 0 ? nil : self }
}

extension DesiredUser {
    /// Why a line of a SPEC is refused.
    public struct SpecError: Error, Equatable, Sendable, CustomStringConvertible {
        public enum Problem: Equatable, Sendable {
            case noColon
            case invalidUserName(UserName.Problem)
            case duplicateUser(firstLine: Int)
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
            if let user { return "user '\(displayText(user))': \(what)" }
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

/// Why a stored hash can match no password, whatever the server reading it: told from its bytes alone,
/// without hashing.
///
/// A crypt(3) method libxcrypt does not know, or a salt it refuses, is not found here: only hashing tells.
public enum HashDefect: Equatable, Sendable {
    /// A crypt(3) failure token such as `*0`: what a failed hashing returns.
    case failureToken
    /// No known format: most often a password in clear, which no server on Linux compares as such.
    case unknownFormat
    /// A bcrypt hash whose cost is outside ``/HtpasswdCore/PasswordHasher/costRange`` (4 to 31).
    case bcryptCost(Int)
    /// A hash starting `$2a$`, `$2b$`, `$2x$` or `$2y$` that is not a two-digit cost, `$`, and 53
    /// characters of `./A-Za-z0-9` (60 bytes in all).
    case malformedBcrypt

    /// Length of a bcrypt hash: `$2y$`, two digits, `$`, 22 characters of salt and 31 of hash.
    static let bcryptLength = 60

    /// The defect of `hash`, or nil when nothing in its bytes rules out a match.
    public init?(_ hash: some Collection<UInt8>) {
        let bytes = Array(hash)
        switch HashFormat(bytes) {
        case .failureToken:
            self = .failureToken
        case .unknown:
            self = .unknownFormat
        case .bcrypt(_, let cost):
            if !PasswordHasher.costRange.contains(cost) {
                self = .bcryptCost(cost)
            } else if bytes.count != Self.bcryptLength || !bytes[7...].allSatisfy(CryptAlphabet.contains) {
                self = .malformedBcrypt
            } else {
                return nil
            }
        case .otherCrypt:
            // `$2y$5$...`: a bcrypt prefix, but not the two-digit cost that makes HashFormat see bcrypt.
            guard bytes.count >= 4, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
                Array("abxy".utf8).contains(bytes[2]), bytes[3] == UInt8(ascii: "$")
            else { return nil }
            self = .malformedBcrypt
        default:
            return nil
        }
    }
}

extension HashDefect: CustomStringConvertible {
    public var description: String {
        switch self {
        case .failureToken: "a crypt(3) failure token, which no password matches"
        case .unknownFormat: "in no known format (a password in clear?), which no server verifies"
        case .bcryptCost(let cost):
            "bcrypt of cost \(cost), outside \(PasswordHasher.costRange.lowerBound) to \(PasswordHasher.costRange.upperBound), which no password matches"
        case .malformedBcrypt:
            "a malformed bcrypt hash (not '$2y$', a two-digit cost, '$' and 53 characters of ./A-Za-z0-9), which no password matches"
        }
    }
}

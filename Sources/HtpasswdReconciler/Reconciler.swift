import Dispatch
import Glibc
import HtpasswdCore
import HtpasswdVerifier
import Synchronization
import SystemPackage

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
}

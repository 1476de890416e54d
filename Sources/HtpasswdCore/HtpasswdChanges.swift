import Glibc

/// A set of changes to the users of an htpasswd file, applied in one pass and one write.
///
/// ```swift
/// var changes = HtpasswdChanges()
/// changes.set(try PasswordHasher().hash(password), for: try UserName("alice"))
/// changes.remove("bob")
/// try HtpasswdStore(path: "/etc/nginx/htpasswd").apply(changes)
/// ```
///
/// How a file changes, line by line, for a user `u`:
/// - `u` is set: its first line gets the new hash (keeping any `:extra` field and the line's ending); its
///   later lines are removed (nginx and Apache only ever used the first). A user not in the file is added
///   at the end, in the order of the `set` calls, with the file's line ending.
/// - `u` is removed: every line of `u` goes.
/// - ``removesUnlisted`` is on and `u` is neither set nor ``keep(_:)-(Collection<UInt8>)``-ed: every line of `u` goes.
/// - Otherwise, and for every comment, blank or malformed line: the line stays byte for byte.
///
/// When anything changed, every line ends with a newline, the last one too. When nothing changed, nothing
/// is written. ``HtpasswdFile/apply(_:)`` (in memory) and ``HtpasswdStore/apply(_:creation:attributes:)``
/// (streamed, in constant memory) give the same bytes.
public struct HtpasswdChanges: Sendable {
    /// The users to set, in order, with their new hashes.
    public private(set) var assignments: [Assignment] = []
    /// The users whose every line is removed, as bytes (any bytes: a name written by another tool can be
    /// removed).
    public private(set) var removals: [[UInt8]] = []
    /// Users that ``removesUnlisted`` keeps as they are.
    public private(set) var kept: [[UInt8]] = []
    /// Whether users that are neither set, kept nor removed lose their lines (`apply --exclusive`).
    public var removesUnlisted = false
    /// Whether a removal of a user who is not in the file fails the whole edit with
    /// ``HtpasswdError/userNotFound(user:)`` (nothing is written).
    public var requiresRemovedUsers = false
    /// Whether to start from an empty file, whatever the current one holds (`create --force`).
    public var startsEmpty = false
    /// Conditions on the current file: the first line of each user has this hash (as bytes), or the user
    /// is absent (nil). Every condition is checked, several on one user too; when some do not hold, the
    /// edit fails with ``HtpasswdError/changedSinceRead(user:)`` naming the user of the first of them.
    public private(set) var expectations: [Expectation] = []

    /// Each named user's role, as ``Role/code``.
    private var index = ByteTable()

    /// A user and the hash it is set to.
    public struct Assignment: Equatable, Sendable {
        /// The user.
        public var user: UserName
        /// The hash the user's line gets.
        public var hash: PasswordHash
    }

    /// A condition on the current file: the first line of ``user`` has the hash field ``hash``, or, when
    /// it is nil, the user is absent.
    public struct Expectation: Equatable, Sendable {
        /// The user's name, as bytes.
        public var user: [UInt8]
        /// The bytes of the hash field of the user's first line; nil: the user is absent.
        public var hash: [UInt8]?

        /// The condition that `user`'s first line has the hash field `hash`, or with nil, that `user` is absent.
        public init(user: some Collection<UInt8>, hash: [UInt8]?) {
            self.user = Array(user)
            self.hash = hash
        }
    }

    /// What a user's name means to this set of changes.
    enum Role: Equatable {
        /// Set: the index in ``assignments``.
        case assigned(Int)
        /// Removed: the index in ``removals``.
        case removed(Int)
        /// Kept: the index in ``kept``.
        case kept(Int)

        var code: Int {
            switch self {
            case .assigned(let index): index * 3
            case .removed(let index): index * 3 + 1
            case .kept(let index): index * 3 + 2
            }
        }

        init(code: Int) {
            switch code % 3 {
            case 0: self = .assigned(code / 3)
            case 1: self = .removed(code / 3)
            default: self = .kept(code / 3)
            }
        }
    }

    /// No changes: the file as it is.
    public init() {}

    /// Sets `user`'s hash; a later call for the same user replaces the earlier one.
    public mutating func set(_ hash: PasswordHash, for user: UserName) {
        switch role(of: user.bytes) {
        case .assigned(let position):
            assignments[position].hash = hash
        case .removed, .kept:
            rebuild(dropping: user.bytes)
            fallthrough
        case nil:
            index.set(Role.assigned(assignments.count).code, for: user.bytes)
            assignments.append(Assignment(user: user, hash: hash))
        }
    }

    /// Sets the hash of the user named by the UTF-8 bytes of `user` (`changes.set(hash, for: "alice")`); a
    /// later call for the same user replaces the earlier one.
    ///
    /// - Throws: ``UserName/Problem`` when the name breaks a rule of ``UserName``; nothing is set then.
    public mutating func set(_ hash: PasswordHash, for user: String) throws(UserName.Problem) {
        set(hash, for: try UserName(user))
    }

    /// Removes every line of the user whose name is `user`'s bytes, unless that user is set.
    public mutating func remove(_ user: some Collection<UInt8>) {
        let bytes = Array(user)
        switch role(of: bytes) {
        case .assigned, .removed:
            return
        case .kept:
            rebuild(dropping: bytes)
            fallthrough
        case nil:
            index.set(Role.removed(removals.count).code, for: bytes)
            removals.append(bytes)
        }
    }

    /// Removes every line of `user` (its UTF-8 bytes), unless that user is set.
    public mutating func remove(_ user: String) {
        remove(Array(user.utf8))
    }

    /// Keeps `user`'s lines as they are when ``removesUnlisted`` is on; no effect on a user set or removed.
    public mutating func keep(_ user: some Collection<UInt8>) {
        let bytes = Array(user)
        guard role(of: bytes) == nil else { return }
        index.set(Role.kept(kept.count).code, for: bytes)
        kept.append(bytes)
    }

    /// Keeps `user`'s lines (its UTF-8 bytes) as they are when ``removesUnlisted`` is on.
    public mutating func keep(_ user: String) {
        keep(Array(user.utf8))
    }

    /// Forgets `user`'s removal or keeping, and renumbers the others.
    private mutating func rebuild(dropping user: [UInt8]) {
        removals.removeAll { $0 == user }
        kept.removeAll { $0 == user }
        index = ByteTable()
        for (position, assignment) in assignments.enumerated() {
            index.set(Role.assigned(position).code, for: assignment.user.bytes)
        }
        for (position, name) in removals.enumerated() { index.set(Role.removed(position).code, for: name) }
        for (position, name) in kept.enumerated() { index.set(Role.kept(position).code, for: name) }
    }

    /// Makes the edit conditional: `user`'s first line must have `hash`, or, with nil, `user` must be absent.
    public mutating func expect(_ hash: PasswordHash?, for user: some Collection<UInt8>) {
        expectations.append(Expectation(user: user, hash: hash?.bytes))
    }

    /// Makes the edit conditional on the bytes of the hash field of `user`'s first line, whatever they
    /// are (empty, or bytes a ``PasswordHash`` refuses, as another tool may have written them), or, with
    /// nil, on `user` being absent. Take them from ``Entry/hash`` of the line that was read.
    public mutating func expect(rawHash: [UInt8]?, for user: some Collection<UInt8>) {
        expectations.append(Expectation(user: user, hash: rawHash))
    }

    /// Makes the edit conditional on the bytes of the hash field of `user`'s first line: ``Entry/hash`` of
    /// the line that was read, as it is; see ``expect(rawHash:for:)-([UInt8]?,Collection<UInt8>)``.
    public mutating func expect(rawHash: some Collection<UInt8>, for user: some Collection<UInt8>) {
        expectations.append(Expectation(user: user, hash: Array(rawHash)))
    }

    /// Makes the edit conditional on the raw hash field of the first line of `user` (its UTF-8 bytes); see
    /// ``expect(rawHash:for:)-([UInt8]?,Collection<UInt8>)``.
    public mutating func expect(rawHash: [UInt8]?, for user: String) {
        expect(rawHash: rawHash, for: Array(user.utf8))
    }

    /// Makes the edit conditional on the first line of `user` (its UTF-8 bytes); see
    /// ``expect(_:for:)-(_,Collection<UInt8>)``.
    public mutating func expect(_ hash: PasswordHash?, for user: String) {
        expect(hash, for: Array(user.utf8))
    }

    /// Whether these changes can change nothing at all.
    public var isEmpty: Bool {
        assignments.isEmpty && removals.isEmpty && !removesUnlisted && !startsEmpty
    }

    /// The role of the user whose name is `name`, or nil.
    func role(of name: UnsafeBufferPointer<UInt8>) -> Role? {
        index.value(for: name).map(Role.init(code:))
    }

    func role(of name: [UInt8]) -> Role? {
        name.withUnsafeBufferPointer { role(of: $0) }
    }
}

@inline(__always)
func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    guard let x = a.baseAddress, let y = b.baseAddress else { return true }
    return memcmp(x, y, a.count) == 0
}

/// What applying ``HtpasswdChanges`` did to the file.
public struct EditOutcome: Equatable, Sendable {
    /// Users that were not in the file, in the order they were set.
    public var added: [UserName] = []
    /// Users whose first line got a different hash.
    public var changed: [UserName] = []
    /// Users set to the hash their first line already had.
    public var unchanged: [UserName] = []
    /// Users removed (by name or because they were not listed), each once, in file order.
    public var removed: [[UInt8]] = []
    /// Names given to remove that are not in the file.
    public var missing: [[UInt8]] = []
    /// Later lines of set users, removed: the user and the line number before the edit.
    public var removedDuplicates: [RemovedDuplicate] = []
    /// Records written over ``HtpasswdFile/apacheRecordLimit`` bytes, which Apache's htpasswd cannot edit.
    public var longRecords: [LongRecord] = []
    /// The number of malformed lines (kept as they are), and the first few of them.
    public var malformedCount = 0
    /// The first ``EditOutcome/malformedSampleSize`` malformed lines.
    public var malformedSample: [MalformedLine] = []
    /// Whether the content changed (and so was written).
    public var changedFile = false
    /// Where the new content starts to differ from the old, as a byte offset, when the content changed:
    /// the first differing byte for ``HtpasswdFile/apply(_:)``; for ``HtpasswdStore/apply(_:creation:attributes:)``,
    /// the start of the first line that changed (or the end of the old content, where only lines are
    /// added) — at or before the first differing byte. An in-place write rewrites the file from there.
    public var firstChange = 0
    /// The size of the new content.
    public var size = 0

    /// How many malformed lines ``malformedSample`` keeps.
    public static let malformedSampleSize = 5

    /// Nothing done yet.
    public init() {}

    /// A later line of a set user, removed.
    public struct RemovedDuplicate: Equatable, Sendable {
        /// The user whose later line was removed.
        public var user: UserName
        /// The line number before the edit.
        public var line: Int
    }

    /// A record longer than Apache's htpasswd can edit.
    public struct LongRecord: Equatable, Sendable {
        /// The user whose record it is.
        public var user: UserName
        /// `user:hash` and any extra field, in bytes.
        public var length: Int
    }

    mutating func noteMalformed(_ line: MalformedLine) {
        malformedCount += 1
        if malformedSample.count < Self.malformedSampleSize { malformedSample.append(line) }
    }
}

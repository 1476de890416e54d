import HtpasswdCore

/// What `htpass list --long` and `--json` say about one entry: its hash format and what is wrong with it.
public struct EntryReport: Equatable, Sendable {
    /// Something worth knowing about an entry.
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// apr1, md5crypt, `{SHA}`, `{SSHA}`, `{PLAIN}` or DES: cheap to crack from a leaked file.
        public static let weak = Flags(rawValue: 1 << 0)
        /// A failure token or an unknown format: no password can match.
        public static let unverifiable = Flags(rawValue: 1 << 1)
        /// A later line of a user already seen: servers use the first.
        public static let duplicate = Flags(rawValue: 1 << 2)
        /// A record over ``HtpasswdFile/apacheRecordLimit`` bytes: Apache's htpasswd cannot edit the file.
        public static let longRecord = Flags(rawValue: 1 << 3)
        /// bcrypt cost above 17, `{SSHA}` or `{PLAIN}`: Apache httpd cannot verify it.
        public static let apacheCannotVerify = Flags(rawValue: 1 << 4)
        /// bcrypt cost above 19, yescrypt or gost-yescrypt: nginx on Alpine (musl) cannot verify it.
        public static let alpineCannotVerify = Flags(rawValue: 1 << 5)

        /// Every flag with its name for listings, in display order.
        public static let named: [(flag: Flags, name: String)] = [
            (.weak, "weak"), (.unverifiable, "unverifiable"), (.duplicate, "duplicate"),
            (.longRecord, "long-record"), (.apacheCannotVerify, "apache-cannot-verify"),
            (.alpineCannotVerify, "alpine-cannot-verify"),
        ]

        /// The flags of an entry with a hash of `format`, a record of `recordLength` bytes, and whether an
        /// earlier line has the same user.
        public init(format: HashFormat, recordLength: Int, duplicate: Bool) {
            var flags: Flags = []
            if format.isWeak { flags.insert(.weak) }
            if !format.isVerifiable { flags.insert(.unverifiable) }
            if duplicate { flags.insert(.duplicate) }
            if recordLength > HtpasswdFile.apacheRecordLimit { flags.insert(.longRecord) }
            let cost = if case .bcrypt(_, let cost) = format { cost } else { 0 }
            if cost > PasswordHasher.apacheBcryptCostLimit || format == .saltedSHA1 || format == .plain {
                flags.insert(.apacheCannotVerify)
            }
            if cost > PasswordHasher.alpineBcryptCostLimit || format == .yescrypt || format == .gostYescrypt {
                flags.insert(.alpineCannotVerify)
            }
            self = flags
        }

        /// The names of the flags set, in display order: `["weak", "duplicate"]`.
        public var names: [String] {
            Self.named.filter { contains($0.flag) }.map(\.name)
        }
    }

    public var entry: Entry
    public var format: HashFormat
    public var flags: Flags

    /// The report on `entry`; `duplicate` says whether an earlier line has the same user.
    public init(_ entry: Entry, duplicate: Bool) {
        self.entry = entry
        format = HashFormat(entry.hash)
        flags = Flags(
            format: format, recordLength: entry.user.count + 1 + entry.hash.count + entry.extra.count,
            duplicate: duplicate)
    }

    /// A report for every entry of `file`, in file order.
    public static func reports(for file: HtpasswdFile) -> [EntryReport] {
        var seen = Set<ArraySlice<UInt8>>()
        return file.entries.map { entry in EntryReport(entry, duplicate: !seen.insert(entry.user).inserted) }
    }
}

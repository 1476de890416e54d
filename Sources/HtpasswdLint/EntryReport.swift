import HtpasswdCore

/// What `htpass list --long` and `--json` say about one entry: its hash format and what is wrong with it,
/// in the words of the target profiles.
public struct EntryReport: Equatable, Sendable {
    /// The entry reported on.
    public var entry: Entry
    /// The format of its hash.
    public var format: HashFormat
    /// The flags, in display order: `weak`, `unverifiable`, `duplicate`, `long-record`, then
    /// `<target>-cannot-verify` for each target that cannot verify the hash (``/HtpasswdCore/TargetProfile/refusal(for:)-(HashFormat)``).
    public var flags: [Flag]

    /// A fact about an entry, shown by `htpass list` under its ``name``. Each is the short form of what
    /// ``FileCheck`` reports as a finding (``FileCheck/FindingID``), named in ``findings``.
    public enum Flag: Hashable, Sendable {
        /// A hash that is cheap to crack from a leaked file: ``FileCheck/FindingID/weakFormat``.
        case weak
        /// A hash no password matches (a failure token, an unknown format): ``FileCheck/FindingID/failureToken``
        /// or ``FileCheck/FindingID/unknownFormat``.
        case unverifiable
        /// A later line of a user listed before: ``FileCheck/FindingID/duplicateUser``.
        case duplicate
        /// A record over ``/HtpasswdCore/HtpasswdFile/apacheRecordLimit`` bytes: ``FileCheck/FindingID/longRecord``.
        case longRecord
        /// A hash this target cannot verify: one of the findings of ``FileCheck/FindingID/formatNotVerified``,
        /// ``FileCheck/FindingID/bcryptCostTooHigh``, ``FileCheck/FindingID/bcryptPrefixNotVerified`` or
        /// ``FileCheck/FindingID/roundsTooHigh``, depending on why.
        case cannotVerify(Target)

        /// The flag as `htpass list` prints it: `weak`, `unverifiable`, `duplicate`, `long-record`,
        /// `nginx-alpine-cannot-verify`.
        public var name: String {
            switch self {
            case .weak: "weak"
            case .unverifiable: "unverifiable"
            case .duplicate: "duplicate"
            case .longRecord: "long-record"
            case .cannotVerify(let target): Self.cannotVerifyNames[target] ?? ""
            }
        }

        /// The flag called `name`; nil for any other name.
        public init?(name: String) {
            let all: [Flag] = [.weak, .unverifiable, .duplicate, .longRecord] + Target.allCases.map(Flag.cannotVerify)
            guard let flag = all.first(where: { $0.name == name }) else { return nil }
            self = flag
        }

        /// The findings of ``FileCheck`` that state the same fact, for one entry.
        public var findings: [FileCheck.FindingID] {
            switch self {
            case .weak: [.weakFormat]
            case .unverifiable: [.failureToken, .unknownFormat]
            case .duplicate: [.duplicateUser]
            case .longRecord: [.longRecord]
            case .cannotVerify: [.formatNotVerified, .bcryptCostTooHigh, .bcryptPrefixNotVerified, .roundsTooHigh]
            }
        }

        /// `TARGET-cannot-verify`, made once per target rather than once per entry listed.
        private static let cannotVerifyNames: [Target: String] = Dictionary(
            uniqueKeysWithValues: Target.allCases.map { ($0, $0.rawValue + "-cannot-verify") })
    }

    /// The targets whose refusals are flagged when none are named: the common ones (``/HtpasswdCore/Target/common``)
    /// but the default, nginx on glibc, which verifies every format nginx on Alpine does, so that its flag
    /// would only repeat one: Apache httpd (no `{SSHA}`, `{PLAIN}`, bcrypt above cost 17), then nginx on
    /// Alpine (no yescrypt, bcrypt above cost 19), in the order `htpass list` has always printed them.
    public static let defaultTargets: [Target] = Target.common.filter { $0 != .default }.reversed()

    /// The report on `entry`; `duplicate` says whether an earlier line has the same user.
    public init(_ entry: Entry, duplicate: Bool, targets: [Target] = EntryReport.defaultTargets) {
        self.entry = entry
        format = HashFormat(entry.hash)
        var flags: [Flag] = []
        Self.flags(
            format: format, hash: entry.hash, recordLength: entry.user.count + 1 + entry.hash.count + entry.extra.count,
            duplicate: duplicate, targets: targets
        ) { flags.append($0) }
        self.flags = flags
    }

    /// Calls `body` with each flag of an entry with `hash` (of `format`), a record of `recordLength` bytes,
    /// and whether an earlier line has the same user, in display order.
    public static func flags(
        format: HashFormat, hash: some Collection<UInt8>, recordLength: Int, duplicate: Bool, targets: [Target],
        _ body: (Flag) -> Void
    ) {
        var cache = TargetFlags(targets: targets)
        flags(format: format, hash: hash, recordLength: recordLength, duplicate: duplicate, targets: &cache, body)
    }

    /// The same, with the targets' verdicts remembered per format across calls (a listing of a million
    /// entries asks the profiles once per distinct format, not once per entry).
    public static func flags(
        format: HashFormat, hash: some Collection<UInt8>, recordLength: Int, duplicate: Bool,
        targets: inout TargetFlags, _ body: (Flag) -> Void
    ) {
        if format.isWeak { body(.weak) }
        if !format.isVerifiable { body(.unverifiable) }
        if duplicate { body(.duplicate) }
        if recordLength > HtpasswdFile.apacheRecordLimit { body(.longRecord) }
        guard format.isVerifiable else { return }
        for flag in targets.flags(for: format, hash: hash) { body(flag) }
    }

    /// The `TARGET-cannot-verify` flags of each hash format met, for a set of targets.
    public struct TargetFlags: Sendable {
        /// The targets whose refusals are flagged.
        public let targets: [Target]
        private var known: [(format: HashFormat, flags: [Flag])] = []
        /// Whether a target loads one shape of hash only (Envoy), which takes the hash itself to check.
        private let checksShape: Bool

        /// The flags of `targets`, none known yet.
        public init(targets: [Target]) {
            self.targets = targets
            checksShape = targets.contains { $0.profile.reading.requiredHash != nil }
        }

        /// The flags for `hash`, of `format`: those of its format, and those of targets that load one shape
        /// of hash only (Envoy: `{SHA}` and 28 bytes) when `hash` does not have it.
        public mutating func flags(for format: HashFormat, hash: some Collection<UInt8>) -> [Flag] {
            let byFormat = flags(for: format)
            guard checksShape else { return byFormat }
            return targets.filter { target in
                byFormat.contains(.cannotVerify(target))
                    || target.profile.reading.requiredHash.map { $0.refusal(for: hash) != nil } ?? false
            }.map(Flag.cannotVerify)
        }

        /// The flags for `format`: computed the first time, remembered for the next (up to 16 formats).
        public mutating func flags(for format: HashFormat) -> [Flag] {
            if let index = known.firstIndex(where: { $0.format == format }) { return known[index].flags }
            let flags = targets.filter { $0.profile.refusal(for: format) != nil }.map(Flag.cannotVerify)
            if known.count == 16 { known.removeFirst() }
            known.append((format, flags))
            return flags
        }
    }

    /// A report for every entry of `file`, in file order.
    public static func reports(for file: HtpasswdFile, targets: [Target] = defaultTargets) -> [EntryReport] {
        var seen = Set<Entry.Field>()
        return file.entries.map { entry in
            EntryReport(entry, duplicate: !seen.insert(entry.user).inserted, targets: targets)
        }
    }
}

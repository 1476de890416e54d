extension TargetReading {
    /// nginx's auth_basic: `#` in column 0, nothing trimmed, the hash ends at `:` or a carriage return,
    /// the first line of a user wins, any line length.
    static let nginx = TargetReading(
        comments: .columnZero, trimsLines: false, duplicates: .firstWins, extraField: .endsHash,
        lineWithoutColonRefusesFile: false, emptyUserRefusesFile: nil, emptyHashRefusesFile: false,
        requiredHash: nil, keepsCarriageReturn: false, hashEndsAtCarriageReturn: true,
        longLines: .unlimited,
        bcryptIgnoresTrailingBytes: false)

    /// Apache's mod_authn_file (ap_cfg_getline): lines trimmed, `#` after spaces, the first line wins,
    /// reading stops at a line of 8191 bytes or more.
    static let apache = TargetReading(
        comments: .afterLeadingWhitespace, trimsLines: true, duplicates: .firstWins, extraField: .endsHash,
        lineWithoutColonRefusesFile: false, emptyUserRefusesFile: false, emptyHashRefusesFile: false,
        requiredHash: nil, keepsCarriageReturn: false, hashEndsAtCarriageReturn: false,
        longLines: .stopsAt(8191),
        bcryptIgnoresTrailingBytes: false)

    /// lighttpd's mod_authn_file: `#` in column 0, nothing trimmed, the rest of the line is the hash,
    /// lines over 1024 bytes skipped; a `{SHA}` hash is decoded leniently, so what follows its 28 characters
    /// (white space, `:comment`) does not matter.
    static let lighttpd = TargetReading(
        comments: .columnZero, trimsLines: false, duplicates: .firstWins, extraField: .partOfHash,
        lineWithoutColonRefusesFile: false, emptyUserRefusesFile: false, emptyHashRefusesFile: false,
        requiredHash: nil, keepsCarriageReturn: false, hashEndsAtCarriageReturn: false,
        longLines: .skipsOver(1024),
        bcryptIgnoresTrailingBytes: false, sha1Decoding: .lenient)

    /// Traefik's basicAuth users file: lines trimmed, `#` comments, the last line of a user wins, and a
    /// line without `:` or with a second `:` refuses the file.
    static let traefik = TargetReading(
        comments: .afterLeadingWhitespace, trimsLines: true, duplicates: .lastWins, extraField: .refusesFile,
        lineWithoutColonRefusesFile: true, emptyUserRefusesFile: false, emptyHashRefusesFile: false,
        requiredHash: nil, keepsCarriageReturn: false, hashEndsAtCarriageReturn: false,
        longLines: .unlimited,
        bcryptIgnoresTrailingBytes: true)

    /// The Docker registry: lines trimmed, `#` comments, the last line of a user wins, a line without
    /// `:` or of 64 KiB or more refuses the file, the rest of the line is the hash.
    static let registry = TargetReading(
        comments: .afterLeadingWhitespace, trimsLines: true, duplicates: .lastWins, extraField: .partOfHash,
        lineWithoutColonRefusesFile: true, emptyUserRefusesFile: false, emptyHashRefusesFile: false,
        requiredHash: nil, keepsCarriageReturn: false, hashEndsAtCarriageReturn: false,
        longLines: .refusesFileAt(65536),
        bcryptIgnoresTrailingBytes: true)

    /// Envoy's basic_auth filter (source/extensions/filters/http/basic_auth/config.cc): `#` in column 0,
    /// nothing trimmed (a carriage return stays), and any odd line — no `:`, an empty name or hash, a user
    /// twice, a hash other than `{SHA}` and 28 characters — refuses the whole configuration.
    static let envoy = TargetReading(
        comments: .columnZero, trimsLines: false, duplicates: .refusesFile, extraField: .partOfHash,
        lineWithoutColonRefusesFile: true, emptyUserRefusesFile: true, emptyHashRefusesFile: true,
        requiredHash: .sha1Base64, keepsCarriageReturn: true, hashEndsAtCarriageReturn: false,
        longLines: .unlimited,
        bcryptIgnoresTrailingBytes: false)

    /// OpenShift's OAuth server (Go's bufio.Scanner: a CR before the newline is dropped): empty lines
    /// skipped, no comments, nothing trimmed, the last line of a user wins, the rest of the line is the hash, lines without `:` skipped, and reading stops (silently)
    /// at a line of 64 KiB or more.
    static let openshift = TargetReading(
        comments: .none, trimsLines: false, duplicates: .lastWins, extraField: .partOfHash,
        lineWithoutColonRefusesFile: false, emptyUserRefusesFile: false, emptyHashRefusesFile: false,
        requiredHash: nil, keepsCarriageReturn: false, hashEndsAtCarriageReturn: false,
        longLines: .stopsAt(65536), bcryptIgnoresTrailingBytes: true)
}

import Glibc

/// How a server reads the lines of an htpasswd file: comments, whitespace, the fields of a line, users
/// listed twice, and what makes it refuse the whole file.
///
/// The same bytes read differently by two servers is how a valid file still locks users out: Apache
/// trims spaces that nginx keeps, the Docker registry and Traefik take the last line of a user where
/// nginx takes the first, Traefik refuses a whole file over one line without `:`.
public struct TargetReading: Equatable, Sendable {
    /// Where a `#` starts a comment.
    public enum Comments: Equatable, Sendable {
        /// Nowhere: `#alice:hash` is the user `#alice`, and a `#` line without `:` is skipped as malformed.
        case none
        /// Only in column 0.
        case columnZero
        /// After any leading whitespace.
        case afterLeadingWhitespace
    }

    /// Which line counts for a user listed twice.
    public enum Duplicates: Equatable, Sendable {
        case firstWins
        case lastWins
        /// The server refuses the whole file.
        case refusesFile
    }

    /// What a second `:` on a line does (`user:hash:extra`).
    public enum ExtraField: Equatable, Sendable {
        /// The hash ends there; the rest is ignored.
        case endsHash
        /// The rest is part of the hash.
        case partOfHash
        /// The server refuses the whole file.
        case refusesFile
    }

    /// The one shape of hash a server loads.
    public enum RequiredHash: Equatable, Sendable {
        /// `{SHA}` followed by exactly 28 bytes, the length of a SHA-1 digest in base64 (Envoy checks the
        /// prefix and the length, not the characters).
        case sha1Base64

        /// Why a hash of `length` bytes that `byte(i)` reads does not have the shape; nil if it has.
        func refusal(length: Int, _ byte: (Int) -> UInt8) -> FileRefusal? {
            switch self {
            case .sha1Base64:
                let prefix: StaticString = "{SHA}"
                let count = prefix.utf8CodeUnitCount
                let isSHA1 = length >= count && (0..<count).allSatisfy { byte($0) == prefix.utf8Start[$0] }
                if isSHA1 && length == count + 28 { return nil }
                let format = isSHA1 ? .sha1 : HashFormat((0..<length).map(byte))
                return .hashNotAccepted(format, length: length, self)
            }
        }

        /// Why `hash` does not have the shape; nil if it has.
        public func refusal(for hash: some Collection<UInt8>) -> FileRefusal? {
            let bytes = Array(hash)
            return refusal(length: bytes.count) { bytes[$0] }
        }
    }

    /// What happens to a line that is too long.
    public enum LongLines: Equatable, Sendable {
        /// Nothing: any length is read.
        case unlimited
        /// Lines of more than this many bytes (without the terminator) are skipped.
        case skipsOver(Int)
        /// Reading stops at the first line of this many bytes or more (without the terminator): later
        /// users do not exist for the server.
        case stopsAt(Int)
        /// A line of this many bytes or more (without the terminator) makes the server refuse the file.
        case refusesFileAt(Int)
    }

    public var comments: Comments
    /// Whether whitespace around each line is removed before it is read.
    public var trimsLines: Bool
    public var duplicates: Duplicates
    public var extraField: ExtraField
    /// Whether a line without `:` (not blank, not a comment) makes the server refuse the file; otherwise
    /// it is ignored.
    public var lineWithoutColonRefusesFile: Bool
    /// What a line with an empty user name (`:hash`) does: nil, the line is ignored (never matches);
    /// `false`, it is an entry for the empty name; `true`, the server refuses the file.
    public var emptyUserRefusesFile: Bool?
    /// Whether an empty hash (`user:`) makes the server refuse the file.
    public var emptyHashRefusesFile: Bool
    /// The one shape of hash the server loads, when it checks every hash as it reads the file and refuses
    /// the whole file over any other (Envoy); nil when any hash is read (one it cannot verify never matches).
    public var requiredHash: RequiredHash?
    /// Whether a carriage return before the newline stays part of the line (and so of the hash).
    public var keepsCarriageReturn: Bool
    /// Whether the hash ends at a carriage return anywhere on the line (nginx).
    public var hashEndsAtCarriageReturn: Bool
    public var longLines: LongLines
    /// Whether a bcrypt hash followed by more bytes still verifies (Go's bcrypt reads the first 60).
    public var bcryptIgnoresTrailingBytes: Bool
    /// How the server decodes the base64 of a `{SHA}` hash.
    public var sha1Decoding: SHA1Decoding = .exact

    /// How a server decodes the base64 of a `{SHA}` hash.
    public enum SHA1Decoding: Equatable, Sendable {
        /// It encodes the password's digest and compares the whole hash: a byte after the 28 characters, a
        /// missing `=`, a last character with stray bits never match (nginx, Apache, the Go servers, Envoy).
        case exact
        /// lighttpd (`li_base64_dec`): white space and control bytes are skipped anywhere, the first other
        /// byte that is not base64 (`=`, `:`, `!`, a byte of 128 or more) ends the digest and the rest of the
        /// hash is ignored, a last character's stray bits are ignored; the digest must be 20 bytes (27
        /// base64 characters). So `{SHA}…=<TAB>`, `{SHA}…=:comment` and `{SHA}…` without `=` all verify.
        case lenient
    }
}

/// What a server makes of one line.
public enum TargetLine: Equatable, Sendable {
    /// An entry: the user name and the hash, as ranges of the line's content.
    case entry(user: Range<Int>, hash: Range<Int>)
    /// Blank, a comment, or a line the server skips.
    case ignored
    /// The server refuses the whole file because of this line.
    case refusesFile(FileRefusal)
    /// The server stops reading here: this line and the ones after it do not exist for it.
    case stopsReading
}

/// Why a server refuses a whole file.
public enum FileRefusal: Equatable, Sendable {
    case lineWithoutColon
    case extraField
    case emptyUser
    case emptyHash
    case duplicateUser
    case lineTooLong(length: Int, limit: Int)
    /// An entry whose hash (of this format and length in bytes) does not have the one shape the server loads.
    case hashNotAccepted(HashFormat, length: Int, TargetReading.RequiredHash)
}

extension FileRefusal: CustomStringConvertible {
    public var description: String {
        switch self {
        case .lineWithoutColon: "a line without ':'"
        case .extraField: "a line with a second ':' (user:hash:extra)"
        case .emptyUser: "an empty user name"
        case .emptyHash: "an empty hash"
        case .duplicateUser: "a user listed twice"
        case .lineTooLong(let length, let limit): "a line of \(length) bytes (at most \(limit - 1))"
        case .hashNotAccepted(let format, let length, .sha1Base64):
            format == .sha1
                ? "a {SHA} hash of \(length - 5) characters after '{SHA}' (not 28)"
                : "a hash that is not {SHA} (\(format.name))"
        }
    }
}

extension TargetReading {
    /// What the server makes of a line, given its content (without the terminator) and its terminator.
    public func read(_ content: UnsafeBufferPointer<UInt8>, terminator: LineTerminator) -> TargetLine {
        let length = content.count
        switch longLines {
        case .unlimited: break
        case .skipsOver(let limit): if length > limit { return .ignored }
        case .stopsAt(let limit): if length >= limit { return .stopsReading }
        case .refusesFileAt(let limit):
            if content.count >= limit { return .refusesFile(.lineTooLong(length: content.count, limit: limit)) }
        }
        var start = 0
        var end = content.count
        if keepsCarriageReturn && terminator == .crlf {
            // The CR is part of the line for this server: the hash ends with it. Represented by an end one
            // past the content, which callers read through `lineBytes(content:terminator:)`.
            end += 1
        }
        if trimsLines {
            while start < end && Self.isSpace(byte(content, start, terminator)) { start += 1 }
            while end > start && Self.isSpace(byte(content, end - 1, terminator)) { end -= 1 }
        }
        if start == end { return .ignored }
        var first = start
        if comments == .afterLeadingWhitespace {
            while first < end && Self.isSpace(byte(content, first, terminator)) { first += 1 }
        }
        if comments != .none && first < end && byte(content, first, terminator) == UInt8(ascii: "#") {
            if comments == .afterLeadingWhitespace || first == start { return .ignored }
        }
        if !trimsLines && comments == .columnZero
            && (start..<end).allSatisfy({ Self.isSpace(byte(content, $0, terminator)) })
        {
            return lineWithoutColonRefusesFile ? .refusesFile(.lineWithoutColon) : .ignored
        }
        // memchr rather than a loop over the bytes: this runs for every line of every read of the file.
        guard let colon = firstIndex(of: UInt8(ascii: ":"), in: content, from: start, to: end) else {
            return lineWithoutColonRefusesFile ? .refusesFile(.lineWithoutColon) : .ignored
        }
        if colon == start {
            switch emptyUserRefusesFile {
            case nil: return .ignored
            case true?: return .refusesFile(.emptyUser)
            case false?: break
            }
        }
        // Where the hash ends for this server (a carriage return, if it stops there), and a second colon
        // before that.
        var hashEnd = end
        if hashEndsAtCarriageReturn, let carriageReturn = firstIndex(of: 0x0D, in: content, from: colon + 1, to: end) {
            hashEnd = carriageReturn
        }
        let secondColon = firstIndex(of: UInt8(ascii: ":"), in: content, from: colon + 1, to: hashEnd)
        if let second = secondColon {
            switch extraField {
            case .endsHash: hashEnd = second
            case .partOfHash: break
            case .refusesFile: return .refusesFile(.extraField)
            }
        }
        if hashEnd == colon + 1 && emptyHashRefusesFile { return .refusesFile(.emptyHash) }
        if let requiredHash,
            let refusal = requiredHash.refusal(
                length: hashEnd - colon - 1, { byte(content, colon + 1 + $0, terminator) })
        {
            return .refusesFile(refusal)
        }
        return .entry(user: start..<colon, hash: (colon + 1)..<hashEnd)
    }

    /// The first `value` from `lower` up to `upper` in the line as the server sees it: in the content (by
    /// memchr), then a kept carriage return just past it.
    @inline(__always)
    private func firstIndex(of value: UInt8, in content: UnsafeBufferPointer<UInt8>, from lower: Int, to upper: Int)
        -> Int?
    {
        let inContent = Swift.min(upper, content.count)
        if lower < inContent, let base = content.baseAddress,
            let found = memchr(base + lower, CInt(value), inContent - lower)
        {
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
        if value == 0x0D && upper > content.count && lower <= content.count { return content.count }
        return nil
    }

    /// The byte at `index` of the line as the server sees it: the content, then a kept carriage return.
    @inline(__always)
    private func byte(_ content: UnsafeBufferPointer<UInt8>, _ index: Int, _ terminator: LineTerminator) -> UInt8 {
        index < content.count ? content[index] : 0x0D
    }

    /// The line's bytes as the server sees them, for the ranges of ``read(_:terminator:)``.
    public func lineBytes(_ content: UnsafeBufferPointer<UInt8>, terminator: LineTerminator) -> [UInt8] {
        keepsCarriageReturn && terminator == .crlf ? Array(content) + [0x0D] : Array(content)
    }

    /// Space, tab, and the line-ending and form-feed bytes that C's `isspace` and Go's `TrimSpace` remove.
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}

extension TargetReading {
    /// The hash the server compares a password against, given the hash as it reads it (``read(_:terminator:)``):
    /// the first 60 bytes of a longer bcrypt hash for Go's bcrypt, the canonical `{SHA}` of the digest that
    /// lighttpd decodes; otherwise `hash` itself.
    public func verifiedHash(_ hash: [UInt8]) -> [UInt8] {
        switch HashFormat(hash) {
        case .bcrypt where bcryptIgnoresTrailingBytes && hash.count > 60:
            return Array(hash.prefix(60))
        case .sha1 where sha1Decoding == .lenient:
            guard let digest = Self.lenientDigest(hash.dropFirst(5)), digest.count == SHA1.digestSize else {
                return hash
            }
            return Array("{SHA}".utf8) + Array(Base64.encode(digest).utf8)
        default:
            return hash
        }
    }

    /// lighttpd's base64 decoding (`li_base64_dec`, lighttpd 1.4.69): nil where it fails (one character
    /// left over in the last group).
    static func lenientDigest(_ text: some Collection<UInt8>) -> [UInt8]? {
        var digits: [UInt8] = []
        digitLoop: for byte in text {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): digits.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): digits.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): digits.append(62)
            case UInt8(ascii: "/"): digits.append(63)
            case 0x01...0x20: continue
            default: break digitLoop
            }
        }
        if digits.count % 4 == 1 { return nil }
        var output: [UInt8] = []
        var bits: UInt32 = 0
        var count = 0
        for digit in digits {
            bits = bits << 6 | UInt32(digit)
            count += 6
            if count >= 8 {
                count -= 8
                output.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
            }
        }
        return output
    }
}

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
}

extension TargetReading {
    /// OpenShift's OAuth server (Go's bufio.Scanner: a CR before the newline is dropped): empty lines
    /// skipped, no comments, nothing trimmed, the last line of a user wins, the rest of the line is the hash, lines without `:` skipped, and reading stops (silently)
    /// at a line of 64 KiB or more.
    static let openshift = TargetReading(
        comments: .none, trimsLines: false, duplicates: .lastWins, extraField: .partOfHash,
        lineWithoutColonRefusesFile: false, emptyUserRefusesFile: false, emptyHashRefusesFile: false,
        requiredHash: nil, keepsCarriageReturn: false, hashEndsAtCarriageReturn: false,
        longLines: .stopsAt(65536), bcryptIgnoresTrailingBytes: true)
}

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
        /// The first line counts; later ones are ignored.
        case firstWins
        /// The last line counts.
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

    /// Where a `#` makes the line a comment.
    public var comments: Comments
    /// Whether whitespace around each line is removed before it is read.
    public var trimsLines: Bool
    /// Which line of a user listed twice the server uses, or whether it refuses the file.
    public var duplicates: Duplicates
    /// What a second `:` on a line (`user:hash:extra`) does.
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
    /// What a line longer than the server reads does.
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

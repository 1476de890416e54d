/// A user name that htpass will write: 1–255 bytes, no `:`, no control characters, no leading `#`,
/// no leading or trailing space.
///
/// Names are bytes: nothing is trimmed, case-folded or normalised. These rules keep every consumer
/// reading the same user: nginx does not trim spaces and ends the name at `:`, Apache trims, and a
/// newline would split the record.
public struct UserName: Hashable, Sendable {
    /// The longest name, in bytes: Apache's htpasswd refuses longer ones.
    public static let maximumLength = 255

    /// The name's bytes, as they are written to the file.
    public let bytes: [UInt8]

    /// The name made of `bytes`.
    ///
    /// A name can be refused for one reason only, so this throws that reason alone: the first rule `bytes`
    /// breaks. Where a ``HtpasswdError`` is expected, wrap it: ``HtpasswdError/invalidUserName(_:)``.
    ///
    /// - Throws: ``Problem``, the first rule `bytes` breaks.
    public init(_ bytes: some Collection<UInt8>) throws(Problem) {
        let bytes = Array(bytes)
        if let problem = Self.problem(with: bytes) { throw problem }
        self.bytes = bytes
    }

    /// The name made of the UTF-8 bytes of `name`.
    ///
    /// - Throws: ``Problem``, the first rule the bytes break.
    public init(_ name: String) throws(Problem) {
        try self.init(Array(name.utf8))
    }

    /// Why a name is refused: the error ``UserName/init(_:)-(Collection<UInt8>)`` throws.
    ///
    /// Its description states the fact, in a clause that follows "Invalid user name: " (`it contains ':',
    /// which ends the name in the file`); what to do about it is left to the program, which knows how the
    /// name was given.
    public enum Problem: Error, Equatable, Sendable {
        /// No bytes at all.
        case empty
        /// Longer than ``UserName/maximumLength`` bytes.
        case tooLong(length: Int)
        /// A `:`, which ends the name in the file.
        case containsColon
        /// A control character (below 0x20, or 0x7F), such as a newline that would split the record.
        case containsControlCharacter(byte: UInt8)
        /// A leading `#`, which makes the line a comment.
        case startsWithHash
        /// A leading space, which Apache trims and nginx keeps.
        case leadingSpace
        /// A trailing space, which Apache trims and nginx keeps.
        case trailingSpace
    }

    /// The first rule `bytes` breaks, or nil for a valid name.
    public static func problem(with bytes: [UInt8]) -> Problem? {
        guard let first = bytes.first, let last = bytes.last else { return .empty }
        if bytes.count > maximumLength { return .tooLong(length: bytes.count) }
        if let control = bytes.first(where: { $0 < 0x20 || $0 == 0x7F }) {
            return .containsControlCharacter(byte: control)
        }
        if bytes.contains(UInt8(ascii: ":")) { return .containsColon }
        if first == UInt8(ascii: "#") { return .startsWithHash }
        if first == UInt8(ascii: " ") { return .leadingSpace }
        if last == UInt8(ascii: " ") { return .trailingSpace }
        return nil
    }
}

extension UserName: CustomStringConvertible {
    /// The name for messages: valid UTF-8 as is, other bytes as `\xNN`.
    public var description: String { String(displaying: bytes) }
}

extension UserName.Problem: CustomStringConvertible {
    /// What is wrong, as a clause of facts for messages: `it contains ':', which ends the name in the file`.
    public var description: String {
        switch self {
        case .empty: "it is empty"
        case .tooLong(let length): "it is \(length) bytes"
        case .containsColon: "it contains ':', which ends the name in the file"
        case .containsControlCharacter(let byte):
            "it contains the control character 0x\(String(byte, radix: 16, uppercase: true))"
        case .startsWithHash: "it starts with '#', which makes the line a comment"
        case .leadingSpace: "it starts with a space, which Apache trims and nginx keeps"
        case .trailingSpace: "it ends with a space, which Apache trims and nginx keeps"
        }
    }
}

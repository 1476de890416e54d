import Glibc

/// How a line ends.
public enum LineTerminator: UInt8, Equatable, Sendable {
    /// The last line of a file without a final newline.
    case none
    /// `\n`.
    case lf
    /// `\r\n`: the `\r` is not part of the line's content (the hash would otherwise end in it).
    case crlf

    /// The bytes of the terminator.
    public var bytes: [UInt8] {
        switch self {
        case .none: []
        case .lf: [0x0A]
        case .crlf: [0x0D, 0x0A]
        }
    }
}

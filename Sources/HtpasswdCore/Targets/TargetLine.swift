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

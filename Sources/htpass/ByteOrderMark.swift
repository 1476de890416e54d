import Glibc
import HtpasswdCore
import SystemPackage

/// A UTF-8 byte order mark at the start of a file (an editor on Windows saves one): servers read it as
/// part of the first user's name, so `alice` on line 1 is the user `\xEF\xBB\xBFalice`, which looks the same.
/// The commands say what is there instead of answering about a user who seems to exist.
enum ByteOrderMark {
    static let bytes: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Whether line 1 of the file at `path` is the entry of `user` behind a byte order mark.
    static func hidesUser(_ user: [UInt8], in path: FilePath) -> Bool {
        let wanted = bytes + user + [UInt8(ascii: ":")]
        // Through the store: the path resolved as safely as for the edit itself, never opened by name.
        return (try? HtpasswdStore(path: path).prefix(wanted.count)) == wanted
    }

    /// What line 1 is, for a message about `user`.
    static func explanation(_ user: [UInt8], in path: FilePath) -> String {
        "line 1 of '\(path.display)' is the user '\\xEF\\xBB\\xBF\(String(displaying: user))': the file starts with a UTF-8 "
            + "byte order mark, which servers read as part of the name; save the file without it (see 'htpass check')"
    }

    /// After `add` added `added`: a warning if one of them was already there behind a byte order mark.
    static func warnIfLookalike(added: [UserName], in path: FilePath) {
        for user in added where hidesUser(user.bytes, in: path) {
            Output.warning("Added '\(user)' at the end, but \(explanation(user.bytes, in: path))")
        }
    }

    /// `text` with every U+FEFF written `\xEF\xBB\xBF`: invisible on a terminal, it would make two names look alike.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains("\u{FEFF}") else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar == "\u{FEFF}" { result += "\\xEF\\xBB\\xBF" } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }
}

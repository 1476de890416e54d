#if canImport(Glibc)
    import Glibc
#endif

/// One invocation of the differential corpus: a command line, the file it starts from, what is typed or piped.
struct Case: Sendable, CustomStringConvertible {
    /// The arguments after the program name; the file is `f` in the run's own directory.
    var arguments: [[UInt8]]
    /// The content of `f` before the run; nil for no file.
    var start: StartFile?
    /// Directories to make in the run's directory first.
    var directories: [String] = []
    var stdin: [UInt8] = []
    /// Answers typed at the prompts of a run on a pseudo-terminal; nil to run without a terminal.
    var answers: [String]?
    /// The user whose line the run writes or prints, and the password it must then hold.
    var stored: (user: [UInt8], password: [UInt8])?
    /// The deliberate difference this case shows, if any.
    var deviation: Deviation?
    /// htpass's status for a deviation whose status depends on the mode.
    var deviationStatus: Int32?
    /// Run as user `nobody`, with these permission bits on the run's directory and on `f`.
    var asNobody: (directory: mode_t, file: mode_t)?

    init(_ arguments: [String]) {
        self.arguments = arguments.map { Array($0.utf8) }
    }

    init(bytes arguments: [[UInt8]]) {
        self.arguments = arguments
    }

    func file(_ start: StartFile) -> Case { with { $0.start = start } }
    func directory(_ name: String) -> Case { with { $0.directories.append(name) } }
    func stdin(_ text: String) -> Case { with { $0.stdin = Array(text.utf8) } }
    func stdin(bytes: [UInt8]) -> Case { with { $0.stdin = bytes } }
    func terminal(_ answers: [String]) -> Case { with { $0.answers = answers } }
    func asNobody(directory: mode_t = 0o777, file: mode_t) -> Case { with { $0.asNobody = (directory, file) } }
    func stores(_ user: String, _ password: String) -> Case { stores(bytes: Array(user.utf8), Array(password.utf8)) }
    func stores(bytes user: [UInt8], _ password: [UInt8]) -> Case { with { $0.stored = (user, password) } }
    func deviates(_ deviation: Deviation, status: Int32? = nil) -> Case {
        with {
            $0.deviation = deviation
            $0.deviationStatus = status
        }
    }

    private func with(_ change: (inout Case) -> Void) -> Case {
        var copy = self
        change(&copy)
        return copy
    }

    var description: String {
        var text = "htpasswd " + arguments.map { Self.quoted($0) }.joined(separator: " ")
        if let start { text += "  [file: \(start.name)]" }
        if let asNobody {
            text +=
                "  [as nobody; directory \(String(asNobody.directory, radix: 8)), file \(String(asNobody.file, radix: 8))]"
        }
        if !stdin.isEmpty { text += "  [stdin: \(Self.quoted(stdin))]" }
        if let answers {
            text += "  [terminal: \(answers.map { Self.quoted(Array($0.utf8)) }.joined(separator: ", "))]"
        }
        if answers == nil && stdin.isEmpty { text += "  [no terminal, empty stdin]" }
        return text
    }

    /// Bytes as a shell word, short enough to read: printable ASCII as is, the rest escaped, long runs counted.
    static func quoted(_ bytes: [UInt8]) -> String {
        if bytes.count > 40, let first = bytes.first, bytes.allSatisfy({ $0 == first }) {
            return "'\(String(decoding: [first], as: UTF8.self))'x\(bytes.count)"
        }
        var text = ""
        for byte in bytes {
            if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "'") {
                text.append(Character(Unicode.Scalar(byte)))
            } else {
                text += "\\x" + String(byte, radix: 16, uppercase: true)
            }
        }
        return bytes.isEmpty || text.contains(" ") || text.contains("\\") ? "'\(text)'" : text
    }
}

/// The starting files of the corpus. Their hashes were made by Apache's htpasswd; each user's password is
/// the user's name followed by `-pw`.
struct StartFile: Sendable {
    let name: String
    let bytes: [UInt8]

    init(_ name: String, _ text: String) {
        self.name = name
        bytes = Array(text.utf8)
    }

    init(_ name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    static let alice = "alice:$apr1$qJ66Ym7K$Qo9BgAROZzThDbM5vW9TM0"
    static let bob = "bob:$2y$05$HNNhxHrf0YnSoZcECmF1oO9epyN6bnCqe.dgqS4R0yYCILYnrsHeW"
    static let carol = "carol:{SHA}hsAaMBat8aKiQgxhKhAqvbXOPbw="
    static let dave =
        "dave:$6$nNSilu2JlPxSN1T4$LC6TgUfWNKsD.A5epkZzeIDtze97zF2lbX3JsbWogOTP3VYOCJLCQhvlpEVPRCUdpuBh7XTAOP1OMVJlf8xqJ."
    static let erin = "erin:dfNHlrcZ1RyQ6"
    static let frank = "frank:$5$rounds=1000$ty6ZXKQQ54n26tSa$5LMyZaz5WWUIy.PuPZaHxHeWHENYWKbYYohJtA04rs."
    /// alice's entry with the password `other-pw`.
    static let aliceOther = "alice:$apr1$QnTeUffj$M/5iP7kcxm/crEkCR8OO1/"

    /// Every format Apache writes, a comment and a blank line.
    static let standard = StartFile(
        "standard", "# team\n\(alice)\n\(bob)\n\n\(carol)\n\(dave)\n\(erin)\n\(frank)\n")
    static let empty = StartFile("empty", "")
    static let crlf = StartFile("crlf", "\(alice)\r\n\(bob)\r\n# note\r\n\(carol)\r\n")
    static let noFinalNewline = StartFile("no-final-newline", "\(alice)\n\(bob)")
    static let longComment = StartFile(
        "long-comment", "\(alice)\n#" + String(repeating: "c", count: 300) + "\n\(bob)\n\(carol)\n")
    static let longEntry = StartFile(
        "long-entry", "\(alice)\n\(bob):" + String(repeating: "x", count: 300) + "\n\(carol)\n")
    static let invalidLast = StartFile("invalid-last", "\(alice)\n\(bob)\nnot a user line\n")
    static let invalidFirst = StartFile("invalid-first", "not a user line\n\(alice)\n\(bob)\n")
    static let duplicates = StartFile("duplicates", "\(alice)\n\(bob)\n\(aliceOther)\n")
    static let extraField = StartFile("extra-field", "\(alice):Alice Liddell\n\(bob)\n")
    static let leadingSpace = StartFile("leading-space", "  \(alice)\n\(bob)\n")
    static let indentedComment = StartFile("indented-comment", "  # note\n\t\n\(alice)\n\(bob)\n")
    static let emptyHash = StartFile("empty-hash", "alice:\n\(bob)\n")
    static let tokens = StartFile("tokens", "alice:*0\nbob:!\ncarol:carol-pw\n\(dave)\n")
    static let emptyUser = StartFile("empty-user", ":x\n\(bob)\n")
}

/// The differential corpus: every flag and combination Apache's htpasswd accepts or rejects, each mode with and
/// without a file, with and without a terminal, and the files and passwords that trip Apache up.
///
/// Each case runs against Apache's htpasswd and htpass (as `htpasswd` through a link, and as `htpass htpasswd`);
/// a case that names a ``Deviation`` is one where htpass deliberately differs.
enum Corpus {
    static var all: [Case] {
        issueCommandLines + display + costAndRounds + modeConflicts + argumentCounts + optionSyntax + updates
            + createAndMissingFiles + deletes + verifies + standardInput + argumentPasswords + promptsWithoutTerminal
            + terminal + userNames + files + plainText + permissions
    }

    private static func c(_ arguments: String...) -> Case { Case(arguments) }

    private static func repeated(_ byte: Character, _ count: Int) -> String { String(repeating: byte, count: count) }

    /// The command lines issue 11 quotes, from guides and setup scripts.
    static let issueCommandLines: [Case] = [
        c("-c", "f", "admin").terminal(["s3cret", "s3cret"]).stores("admin", "s3cret"),
        c("-c", "f", "admin").stdin("s3cret\ns3cret\n").stores("admin", "s3cret"),
        c("-c", "f", "admin").deviates(.noPassword),
        c("f", "user2").file(.standard).terminal(["pw2", "pw2"]).stores("user2", "pw2"),
        c("f", "user2").file(.standard).stdin("pw2\npw2\n").stores("user2", "pw2"),
        c("-D", "f", "bob").file(.standard),
        c("-bcB", "f", "u", "pw").stores("u", "pw"),
        c("-bcB", "f", "u", "pw").file(.standard).stores("u", "pw"),
        c("-Bbn", "user", "pw").stores("user", "pw"),
        c("-nb", "user", "pw").stores("user", "pw"),
        c("-v"),
    ]

    /// `-n`: each algorithm, bundled and separate flags, the last algorithm flag winning.
    static let display: [Case] = [
        c("-nbm", "u", "pw").stores("u", "pw"),
        c("-nbB", "u", "pw").stores("u", "pw"),
        c("-nbs", "u", "pw").stores("u", "pw"),
        c("-nbd", "u", "pw").stores("u", "pw"),
        c("-nb2", "u", "pw").stores("u", "pw"),
        c("-nb5", "u", "pw").stores("u", "pw"),
        c("-nbp", "u", "pw").deviates(.plainText),
        c("-n", "-b", "-B", "u", "pw").stores("u", "pw"),
        c("-bnB", "u", "pw").stores("u", "pw"),
        c("-nBb", "u", "pw").stores("u", "pw"),
        c("-b", "-n", "-m", "u", "pw").stores("u", "pw"),
        c("-nbsm", "u", "pw").stores("u", "pw"),
        c("-nbms", "u", "pw").stores("u", "pw"),
        c("-nbBm", "u", "pw").stores("u", "pw"),
        c("-nb5B", "u", "pw").stores("u", "pw"),
        c("-nbd5", "u", "pw").stores("u", "pw"),
        c("-nb", "-2", "-5", "u", "pw").stores("u", "pw"),
        c("-nbpm", "u", "pw").stores("u", "pw"),
        c("-nbmp", "u", "pw").deviates(.plainText),
        c("-nbBp", "-s", "u", "pw").stores("u", "pw"),
        c("-ni", "u").stdin("pw").stores("u", "pw"),
        c("-niB", "u").stdin("pw\n").stores("u", "pw"),
        c("-n", "u").stdin("pw\npw\n").stores("u", "pw"),
        c("-n", "u").terminal(["pw", "pw"]).stores("u", "pw"),
    ]

    /// `-C` and `-r`: attached or separate values, the range each algorithm accepts, and values that are not
    /// positive integers.
    static let costAndRounds: [Case] = [
        c("-nbB", "-C", "4", "u", "pw").stores("u", "pw"),
        c("-nbB", "-C4", "u", "pw").stores("u", "pw"),
        c("-nbBC4", "u", "pw").stores("u", "pw"),
        c("-nbBC", "6", "u", "pw").stores("u", "pw"),
        c("-nbB", "-C", "+6", "u", "pw").stores("u", "pw"),
        c("-nbB", "-C", " 4", "u", "pw").stores("u", "pw"),
        c("-nbB", "-r", "6", "u", "pw").stores("u", "pw"),
        c("-nbB", "-C", "3", "u", "pw"),
        c("-nbB", "-C", "18", "u", "pw"),
        c("-nbB", "-C", "31", "u", "pw"),
        c("-nbB", "-C", "99999999999999999999999", "u", "pw"),
        c("-nb5", "-C", "1000", "-B", "u", "pw"),
        c("-nb", "-C", "0", "u", "pw"),
        c("-nb", "-C", "x", "u", "pw"),
        c("-nb", "-C", "", "u", "pw"),
        c("-nb", "-C", "-1", "u", "pw"),
        c("-nb", "-C", "4x", "u", "pw"),
        c("-nb", "-C", "4 ", "u", "pw"),
        c("-nbC"),
        c("-nb", "u", "pw", "-C"),
        c("-nb", "-r", "u", "pw"),
        c("-nb5", "-r", "1000", "u", "pw").stores("u", "pw"),
        c("-nb2", "-r", "2000", "u", "pw").stores("u", "pw"),
        c("-nb5", "-r", "5000", "u", "pw").stores("u", "pw"),
        c("-nb2", "-r5000", "u", "pw").stores("u", "pw"),
        c("-nb5", "-r", "999", "u", "pw").deviates(.roundsOutOfRange),
        c("-nb2", "-C", "4", "u", "pw").deviates(.roundsOutOfRange),
        c("-nb5", "-r", "1000000000", "u", "pw").deviates(.roundsOutOfRange),
        c("-b5", "-r", "10", "f", "alice", "pw").file(.standard).deviates(.roundsOutOfRange),
        c("-nbm", "-C", "4", "u", "pw").stores("u", "pw"),
        c("-nbs", "-r", "5000", "u", "pw").stores("u", "pw"),
        c("-nbd", "-C", "5", "u", "pw").stores("u", "pw"),
        c("-nbm", "-C", "3", "u", "pw").stores("u", "pw"),
    ]

    /// At most one of `-c`, `-n`, `-v`, `-D`.
    static let modeConflicts: [Case] = [
        c("-cn", "f", "u"), c("-cD", "f", "u"), c("-cv", "f", "u"), c("-nD", "f", "u"), c("-nv", "f", "u"),
        c("-vD", "f", "u").file(.standard), c("-c", "-n", "f", "u"), c("-cnvD", "f", "u"),
        c("-bvD", "f", "u", "pw").file(.standard), c("-n", "-c", "u"),
    ]

    /// The number of arguments each mode takes.
    static let argumentCounts: [Case] = [
        c(), c("f"), c("-b", "f", "u").file(.standard), c("-b", "f", "u", "pw", "extra").file(.standard),
        c("f", "u", "extra").file(.standard), c("-n"), c("-nb", "u"), c("-nb", "u", "pw", "x"),
        c("-D", "f").file(.standard), c("-D", "f", "bob", "x").file(.standard),
        c("-v", "f").file(.standard), c("-Db", "f", "bob", "pw").file(.standard),
        c("-vb", "f", "bob").file(.standard), c("-c", "f"),
    ]

    /// apr_getopt's grammar: unknown letters, `--`, a lone `-`, options after the arguments, -b and -i.
    static let optionSyntax: [Case] = [
        c("-x"), c("-nbx", "u", "pw"), c("-h"), c("--help"), c("-nb:", "u", "pw"),
        c("--nb", "u", "pw"),
        c("--", "-nb", "u", "pw"),
        c("-nb", "--", "u", "pw").stores("u", "pw"),
        c("-nb", "-", "u", "pw"),
        c("-", "u", "pw"),
        c("f", "u", "-b").file(.standard),
        c("-nn", "u"),
        c("-nnb", "u").deviates(.repeatedDisplayFlag),
        c("-nn").deviates(.repeatedDisplayFlag),
        c("-nbi", "u").stdin("pw\n").stores("u", "pw"),
        c("-nib", "u", "pw").stores("u", "pw"),
        c("-nib", "u"),
        c("-cc", "-b", "f", "u", "pw").stores("u", "pw"),
        c("-DD", "f", "bob").file(.standard),
    ]

    /// Adding and changing users in an existing file, with each algorithm and password source.
    static let updates: [Case] = [
        c("-b", "f", "zed", "pw").file(.standard).stores("zed", "pw"),
        c("-b", "f", "alice", "pw").file(.standard).stores("alice", "pw"),
        c("-bB", "f", "alice", "pw").file(.standard).stores("alice", "pw"),
        c("-bs", "f", "carol", "pw").file(.standard).stores("carol", "pw"),
        c("-bd", "f", "erin", "8letters").file(.standard).stores("erin", "8letters"),
        c("-b2", "f", "frank", "pw").file(.standard).stores("frank", "pw"),
        c("-b5", "f", "dave", "pw").file(.standard).stores("dave", "pw"),
        c("-bm", "f", "bob", "pw").file(.standard).stores("bob", "pw"),
        c("-bB", "-C", "6", "f", "bob", "pw").file(.standard).stores("bob", "pw"),
        c("-i", "f", "alice").file(.standard).stdin("new-pw\n").stores("alice", "new-pw"),
        c("-i", "f", "zed").file(.standard).stdin("zed-pw").stores("zed", "zed-pw"),
        c("-b", "f", "alice", "").file(.standard).stores("alice", ""),
        c("-b", "f", "a b", "pass word").file(.standard).stores("a b", "pass word"),
        c("-b", "f", "u", "pw").file(.empty).stores("u", "pw"),
        c("-b", "f", "alice", "pw").file(.emptyHash).stores("alice", "pw"),
        c("-b", "f", "alice", "pw").file(.tokens).stores("alice", "pw"),
        c("-b", "f", "zed", "pw").file(.indentedComment).stores("zed", "pw"),
    ]

    /// `-c`, and files that are missing, in a missing directory, or not files.
    static let createAndMissingFiles: [Case] = [
        c("-b", "f", "u", "pw"),
        c("-D", "f", "u"),
        c("-vb", "f", "u", "pw"),
        c("-b", "f", "u", "pw").directory("f"),
        c("-cb", "f", "u", "pw").directory("f"),
        c("-cb", "missing/f", "u", "pw"),
        c("-cb", "f", "u", "pw").stores("u", "pw"),
        c("-cb", "f", "u", "pw").file(.standard).stores("u", "pw"),
        c("-cbs", "f", "u", "pw").stores("u", "pw"),
        c("-cbm", "f", "u", "pw").stores("u", "pw"),
        c("-cbd", "f", "u", "12345678").stores("u", "12345678"),
        c("-cb5", "f", "u", "pw").file(.crlf).stores("u", "pw"),
        c("-cb", "f", "u:x", "pw"),
        c("-c", "f", "u").stdin("a\nb\n").deviates(.failedCreate),
        c("-c", "f", "u").file(.standard).stdin("a\nb\n"),
        c("-cbB", "-C", "3", "f", "u", "pw").deviates(.failedCreate),
        c("-ci", "f", "u").stdin("pw\n").stores("u", "pw"),
    ]

    static let deletes: [Case] = [
        c("-D", "f", "zed").file(.standard),
        c("-D", "f", "alice").file(.duplicates),
        c("-D", "f", "bob").file(.invalidLast),
        c("-D", "f", "bob").file(.crlf),
        c("-D", "f", "bob").file(.indentedComment),
        c("-D", "f", "u").file(.empty),
        c("-D", "f", "alice").file(.leadingSpace).deviates(.leadingSpace),
        Case(bytes: [Array("-D".utf8), Array("f".utf8), Array("a\nb".utf8)]).file(.standard),
    ]

    /// `-v` against every format, wrong passwords, missing users, and files Apache reads in its own way.
    static let verifies: [Case] = [
        c("-vb", "f", "alice", "alice-pw").file(.standard),
        c("-vb", "f", "bob", "bob-pw").file(.standard),
        c("-vb", "f", "carol", "carol-pw").file(.standard),
        c("-vb", "f", "dave", "dave-pw").file(.standard),
        c("-vb", "f", "erin", "erin-pw").file(.standard),
        c("-vb", "f", "frank", "frank-pw").file(.standard),
        c("-vb", "f", "alice", "wrong").file(.standard),
        c("-vb", "f", "alice", "").file(.standard),
        c("-vb", "f", "zed", "x").file(.standard),
        c("-vi", "f", "alice").file(.standard).stdin("alice-pw\n"),
        c("-v", "f", "alice").file(.standard).stdin("alice-pw\n"),
        c("-v", "f", "alice").file(.standard),
        c("-v", "f", "alice").file(.standard).terminal(["alice-pw"]),
        c("-v", "f", "alice").file(.standard).terminal(["wrong"]),
        c("-vb", "f", "alice", "x").file(.emptyHash),
        c("-vb", "f", "alice", "alice-pw").file(.invalidFirst),
        c("-vb", "f", "alice", "alice-pw").file(.invalidLast),
        c("-vb", "f", "alice", "wrong").file(.invalidLast),
        c("-vb", "f", "alice", "x").file(.tokens),
        c("-vb", "f", "bob", "x").file(.tokens),
        c("-vb", "f", "carol", "carol-pw").file(.tokens),
        c("-vb", "f", "alice", "alice-pw").file(.extraField).deviates(.extraField, status: 0),
        c("-vb", "f", "alice", "other-pw").file(.duplicates),
        c("-vb", "f", "alice", "alice-pw").file(.duplicates).deviates(.duplicateUser, status: 0),
        c("-vb", "f", "carol", "carol-pw").file(.longComment).deviates(.longLine),
        c("-vb", "f", "bob", "bob-pw").file(.crlf),
        c("-vb", "f", "alice", "alice-pw").file(.leadingSpace).deviates(.leadingSpace, status: 6),
        c("-vb", "f", "alice", "alice-pw").file(.indentedComment),
    ]

    /// `-i`: everything on standard input, less one final newline (and a CR before it).
    static let standardInput: [Case] = [
        c("-nis", "u").stdin("pw").stores("u", "pw"),
        c("-nis", "u").stdin("pw\n").stores("u", "pw"),
        c("-nis", "u").stdin("pw\r\n").stores("u", "pw"),
        c("-nis", "u").stdin("pw\r").stores("u", "pw\r"),
        c("-nis", "u").stdin("pw\n\n").stores("u", "pw\n"),
        c("-ni", "u").deviates(.emptyStandardInput),
        c("-ni", "u").stdin("\n").deviates(.emptyStandardInput),
        c("-i", "f", "alice").file(.standard).stdin("\r\n").deviates(.emptyStandardInput),
        c("-nis", "u").stdin("a\nb\n").stores("u", "a\nb"),
        c("-ni", "u").stdin("p w\n").stores("u", "p w"),
        c("-nis", "u").stdin("p:w\n").stores("u", "p:w"),
        c("-ni", "u").stdin("pässwörd\n").stores("u", "pässwörd"),
        c("-nis", "u").stdin(bytes: [0xFF, 0xFE, 0x41, 0x0A]).stores(bytes: Array("u".utf8), [0xFF, 0xFE, 0x41]),
        c("-nis", "u").stdin(bytes: Array("a\u{0}b\n".utf8)).deviates(.nulInPassword),
        c("-nis", "u").stdin(repeated("p", 255)).stores("u", repeated("p", 255)),
        c("-nis", "u").stdin(repeated("p", 255) + "\n").stores("u", repeated("p", 255)).deviates(.longPassword),
        c("-ni5", "u").stdin(repeated("p", 300)).stores("u", repeated("p", 300)).deviates(.longPassword),
        c("-niB", "u").stdin(repeated("a", 72)).stores("u", repeated("a", 72)),
        c("-niB", "u").stdin(repeated("a", 73) + "\n").deviates(.bcryptTruncation),
    ]

    /// `-b`: spaces, `:`, non-ASCII bytes, and the lengths each algorithm uses.
    static let argumentPasswords: [Case] = [
        c("-nbs", "u", "p w").stores("u", "p w"),
        c("-nbs", "u", "p:w").stores("u", "p:w"),
        c("-nb", "u", "pässwörd").stores("u", "pässwörd"),
        Case(bytes: [Array("-nb".utf8), Array("u".utf8), [0xFF, 0x41]]).stores(bytes: Array("u".utf8), [0xFF, 0x41]),
        c("-nbs", "u", "").stores("u", ""),
        c("-nbB", "u", repeated("a", 72)).stores("u", repeated("a", 72)),
        c("-nbB", "u", repeated("a", 73)).deviates(.bcryptTruncation),
        c("-bB", "f", "alice", repeated("a", 100)).file(.standard).deviates(.bcryptTruncation),
        c("-nbd", "u", "12345678").stores("u", "12345678"),
        c("-nbd", "u", "123456789").deviates(.cryptTruncation),
        c("-nb", "u", repeated("p", 255)).stores("u", repeated("p", 255)),
        c("-nbs", "u", repeated("p", 256)).stores("u", repeated("p", 256)).deviates(.longPassword),
        c("-nb5", "u", repeated("p", 300)).stores("u", repeated("p", 300)).deviates(.longPassword),
    ]

    /// No `-b` or `-i` and no terminal: Apache's getpass prints the prompts on standard error and reads lines
    /// of standard input.
    static let promptsWithoutTerminal: [Case] = [
        c("-n", "u").stdin("pw\npx\n"),
        c("-n", "u").deviates(.noPassword),
        c("-n", "u").stdin("pw"),
        c("-n", "u").stdin("pw\r\npw\r\n").stores("u", "pw\r"),
        c("-n", "u").stdin("\n\n").deviates(.noPassword),
        c("-nB", "u").stdin("pw\npw\nextra\n").stores("u", "pw"),
        c("f", "alice").file(.standard).stdin("new\nnew\n").stores("alice", "new"),
        c("f", "alice").file(.standard).deviates(.noPassword),
        c("-v", "f", "alice").file(.standard).stdin("alice-pw"),
    ]

    /// On a pseudo-terminal: prompts without echo, twice to set a password.
    static let terminal: [Case] = [
        c("-n", "u").terminal(["pw", "px"]),
        c("-n", "u").terminal(["", ""]).stores("u", ""),
        c("-c", "f", "u").terminal(["a", "b"]).deviates(.failedCreate),
        c("-c", "f", "u").file(.standard).terminal(["a", "b"]),
        c("f", "alice").file(.standard).terminal(["n", "n"]).stores("alice", "n"),
        c("-nB", "u").terminal(["pw", "pw"]).stores("u", "pw"),
        c("-n", "u").terminal([repeated("p", 300), repeated("p", 300)]).stores("u", repeated("p", 300))
            .deviates(.longPassword),
        c("-nb", "u", "pw").terminal([]).stores("u", "pw"),
        c("-D", "f", "bob").file(.standard).terminal([]),
    ]

    /// User names: `:`, lengths, and what htpass refuses to write.
    static let userNames: [Case] = [
        c("-nb", "u:x", "pw"),
        c("-nb", repeated("u", 200), "pw").stores(repeated("u", 200), "pw"),
        c("-nb", repeated("u", 255), "pw"),
        c("-nb", repeated("u", 256), "pw"),
        c("-nbs", repeated("u", 230), "pw"),
        c("-nb", "a\nb", "pw").deviates(.userNameRefused),
        c("-nb", "a\tb", "pw").deviates(.userNameRefused),
        c("-nb", "#u", "pw").deviates(.userNameRefused),
        c("-nb", " u", "pw").deviates(.userNameRefused),
        c("-nb", "u ", "pw").deviates(.userNameRefused),
        c("-nb", "", "pw").deviates(.userNameRefused),
        c("-b", "f", "a\nb", "pw").file(.standard).deviates(.userNameRefused),
        c("-nb", "jürgen", "pw").stores("jürgen", "pw"),
        Case(bytes: [Array("-nb".utf8), [0xFF, 0x41], Array("pw".utf8)]).stores(bytes: [0xFF, 0x41], Array("pw".utf8)),
        c("-nb", "a b", "pw").stores("a b", "pw"),
    ]

    /// Files Apache handles in its own way: CRLF, no final newline, long lines, lines without `:`, a user on
    /// several lines, extra fields, indented names.
    static let files: [Case] = [
        c("-b", "f", "alice", "pw").file(.crlf).stores("alice", "pw").deviates(.crlf),
        c("-b", "f", "zed", "pw").file(.crlf).stores("zed", "pw").deviates(.crlf),
        c("-b", "f", "zed", "pw").file(.noFinalNewline).stores("zed", "pw").deviates(.noFinalNewline),
        c("-b", "f", "alice", "pw").file(.noFinalNewline).stores("alice", "pw").deviates(.noFinalNewline),
        c("-b", "f", "bob", "pw").file(.noFinalNewline).stores("bob", "pw"),
        c("-D", "f", "bob").file(.noFinalNewline),
        c("-b", "f", "zed", "pw").file(.longComment).stores("zed", "pw").deviates(.longLine),
        c("-b", "f", "bob", "pw").file(.longComment).stores("bob", "pw").deviates(.longLine),
        c("-D", "f", "carol").file(.longComment).deviates(.longLine),
        c("-b", "f", "zed", "pw").file(.longEntry).stores("zed", "pw").deviates(.longLine),
        c("-vb", "f", "alice", "alice-pw").file(.longEntry).deviates(.longLine),
        c("-b", "f", "zed", "pw").file(.invalidLast),
        c("-b", "f", "alice", "pw").file(.invalidLast),
        c("-b", "f", "zed", "pw").file(.invalidFirst),
        c("-b", "f", "alice", "pw").file(.duplicates).stores("alice", "pw").deviates(.duplicateUser),
        c("-b", "f", "bob", "pw").file(.duplicates).stores("bob", "pw"),
        c("-b", "f", "alice", "pw").file(.extraField).stores("alice", "pw").deviates(.extraField),
        c("-b", "f", "bob", "pw").file(.extraField).stores("bob", "pw"),
        c("-b", "f", "alice", "pw").file(.leadingSpace).stores("alice", "pw").deviates(.leadingSpace),
        c("-b", "f", "bob", "pw").file(.leadingSpace).stores("bob", "pw"),
        c("-D", "f", "bob").file(.emptyUser),
    ]

    /// `-p`: Apache's warning where another algorithm wins or nothing is hashed; refused where it would be used.
    static let plainText: [Case] = [
        c("-bp", "f", "u", "pw").file(.standard).deviates(.plainText),
        c("-cbp", "f", "u", "pw").deviates(.plainText),
        c("-Dp", "f", "bob").file(.standard),
        c("-vbp", "f", "alice", "alice-pw").file(.standard),
        c("-bpB", "f", "u", "pw").file(.standard).stores("u", "pw"),
    ]

    /// Run as `nobody`: files and directories it may not read or write.
    static let permissions: [Case] = [
        c("-b", "f", "alice", "pw").file(.standard).asNobody(file: 0o444),
        c("-vb", "f", "alice", "alice-pw").file(.standard).asNobody(file: 0o200),
        c("-vb", "f", "alice", "alice-pw").file(.standard).asNobody(file: 0o444),
        c("-D", "f", "bob").file(.standard).asNobody(file: 0o444),
        c("-cb", "f", "u", "pw").asNobody(directory: 0o555, file: 0),
        c("-b", "f", "alice", "pw").file(.standard).asNobody(file: 0o666).stores("alice", "pw")
            .deviates(.replacementNeedsOwner),
        c("-b", "f", "alice", "pw").file(.standard).asNobody(directory: 0o555, file: 0o666).stores("alice", "pw")
            .deviates(.replacementNeedsOwner),
    ]
}

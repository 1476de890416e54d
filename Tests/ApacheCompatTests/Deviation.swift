/// Every deliberate difference between `htpass htpasswd` and Apache's htpasswd 2.4, once, as data.
///
/// The differential suite allows a difference only where a corpus case names one of these, and checks that
/// htpass then exits with ``status`` (nil: the status Apache gives). Docs/apache-compat.md has a row for each
/// ``id``; a test checks that the two lists agree.
struct Deviation: Sendable, Hashable {
    let id: String
    /// What Apache's htpasswd does.
    let apache: String
    /// What htpass does instead, and why.
    let htpass: String
    /// htpass's exit status in that case; nil when it is Apache's.
    let status: Int32?

    static let noPassword = Deviation(
        id: "no-password",
        apache: "no -b/-i, no terminal and empty standard input: stores the empty password, exit 0",
        htpass: "refuses: a script that meant to pass a password must not create an open account", status: 2)
    static let emptyStandardInput = Deviation(
        id: "empty-stdin",
        apache: "-i with empty standard input (or a lone newline): stores the empty password, exit 0",
        htpass: "refuses: an unset variable piped in must not become an empty password; -b '' still sets one",
        status: 2)
    static let roundsOutOfRange = Deviation(
        id: "rounds-out-of-range",
        apache: "-r (or -C with -2/-5) outside 1000..999999999: writes the failure token '*0', exit 0",
        htpass: "refuses: '*0' locks the user out while the run reports success", status: 2)
    static let bcryptTruncation = Deviation(
        id: "bcrypt-over-72",
        apache: "-B with a password over 72 bytes: hashes the first 72, silently",
        htpass: "refuses: every password with the same first 72 bytes would match", status: 5)
    static let cryptTruncation = Deviation(
        id: "crypt-over-8",
        apache: "-d with a password over 8 bytes: hashes the first 8, with a warning, exit 0",
        htpass: "refuses: every password with the same first 8 bytes would match", status: 5)
    static let plainText = Deviation(
        id: "plain-text",
        apache: "-p: stores the password in plain text, with a warning, exit 0",
        htpass: "refuses: neither Apache nor nginx on Linux accepts plain-text entries", status: 10)
    static let userNameRefused = Deviation(
        id: "user-name",
        apache: "writes any user name without ':' (a newline splits the record, '#' makes it a comment, "
            + "spaces and control characters read differently per server)",
        htpass: "refuses names with control characters, a leading '#', leading or trailing spaces, or empty",
        status: 6)
    static let longLine = Deviation(
        id: "long-line",
        apache: "a line of 256 bytes or more anywhere in the file: every later edit and -v fails, exit 7",
        htpass: "reads lines of any length and edits the file", status: 0)
    static let longPassword = Deviation(
        id: "long-password",
        apache: "passwords of 256 bytes or more (-b), 255 with -i's newline, 257 at the prompt: refused, exit 5",
        htpass: "accepts up to 4096 bytes where the algorithm uses them all (servers verify them)", status: 0)
    static let failedCreate = Deviation(
        id: "failed-create",
        apache: "-c on a new file that then fails (prompts differ...): leaves an empty file behind",
        htpass: "leaves no file", status: nil)
    static let noFinalNewline = Deviation(
        id: "no-final-newline",
        apache:
            "adding to a file whose last line has no newline joins the two records ('b:yc:hash'); changing another line leaves the file without a final newline",
        htpass:
            "every line it writes ends with a newline: it ends the old last line first, and an edited file always ends with a newline",
        status: 0)
    static let crlf = Deviation(
        id: "crlf",
        apache: "the line it writes into a CRLF file ends with LF alone",
        htpass: "keeps the line's ending (CRLF), and uses the file's for a new line", status: 0)
    static let duplicateUser = Deviation(
        id: "duplicate-user",
        apache: "a user on several lines: an update writes the new record on each, -v checks each",
        htpass: "updates the first line and removes the later ones; -v checks the first, as servers do",
        status: nil)
    static let extraField = Deviation(
        id: "extra-field",
        apache: "user:hash:extra: an update drops ':extra'; -v compares 'hash:extra' and fails (exit 3)",
        htpass: "keeps ':extra' and checks the hash before it, as Apache httpd and nginx read it", status: nil)
    static let leadingSpace = Deviation(
        id: "leading-space",
        apache: "'  bob:hash' is user bob: an update rewrites it as 'bob:...', -D and -v find it",
        htpass: "it is the user '  bob', as nginx reads it: bob is added at the end, or not found", status: nil)
    static let repeatedDisplayFlag = Deviation(
        id: "repeated-n",
        apache: "-n twice with a matching argument count (htpasswd -nn, -nnb u): reads past argv, SIGSEGV",
        htpass: "prints the usage, exit 2", status: 2)
    static let nulInPassword = Deviation(
        id: "nul-in-password",
        apache: "-i input with a NUL byte: the password is cut at the NUL",
        htpass: "refuses: servers could never receive the bytes after it", status: 5)

    static let replacementNeedsOwner = Deviation(
        id: "in-place-only",
        apache: "a user who may write the file but not its directory, or who does not own it: rewrites it in "
            + "place (unlocked; a crash or full disk leaves it torn)",
        htpass: "replaces the file atomically, which takes a writable directory and the file's owner (or root); "
            + "refuses otherwise and changes nothing", status: 1)

    /// The whole list, in the order of Docs/apache-compat.md.
    static let all: [Deviation] = [
        noPassword, emptyStandardInput, roundsOutOfRange, bcryptTruncation, cryptTruncation, plainText,
        userNameRefused, longLine, longPassword, failedCreate, noFinalNewline, crlf,
        duplicateUser, extraField, leadingSpace, repeatedDisplayFlag, nulInPassword, replacementNeedsOwner,
    ]
}

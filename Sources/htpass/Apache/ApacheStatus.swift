/// The exit statuses of `htpass htpasswd`: Apache htpasswd's own (`ERR_*` in support/passwd_common.h), with the
/// meanings htpass gives them where Apache's use is unclear. Docs/apache-compat.md lists which run gets which.
enum ApacheStatus: Int32 {
    case success = 0
    /// `ERR_FILEPERM`: the file is missing (without `-c`), cannot be read, written or created, or the edit failed.
    case fileProblem = 1
    /// `ERR_SYNTAX`: bad options or arguments; htpass also uses it when there is no password to read, and for
    /// `-r` rounds outside 1000 to 999,999,999.
    case syntax = 2
    /// `ERR_PWMISMATCH`: the password does not verify (`-v`), the two prompts differ, bcrypt refused the cost.
    case verificationFailed = 3
    /// `ERR_OVERFLOW`: a file name, user name, password or record too long; htpass also uses it for a password
    /// the algorithm would truncate (bcrypt over 72 bytes, crypt over 8) or that holds a NUL byte.
    case tooLong = 5
    /// `ERR_BADUSER`: a user name that cannot be written (`:`; with htpass also control characters and the
    /// other names no server reads back), and `-v` of a user who is not in the file.
    case badUser = 6
    /// `ERR_INVALID`: a line without `:` that is neither blank nor a comment, or `-v` of an empty hash.
    case invalidFile = 7
    /// `ERR_ALG_NOT_SUPP`: htpass refuses `-p` (plain text), which no server on Linux accepts.
    case algorithmRefused = 10
}

/// A run that stops: its status, and the lines it prints on standard error (already complete, with newlines).
struct ApacheFailure: Error {
    var status: ApacheStatus
    var message: [UInt8]

    init(_ status: ApacheStatus, _ message: [UInt8]) {
        self.status = status
        self.message = message
    }
}

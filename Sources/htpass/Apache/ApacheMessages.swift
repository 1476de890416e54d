import HtpasswdCore

/// What `htpass htpasswd` prints on standard error: Apache htpasswd's messages, which scripts match, and the
/// messages of the runs where htpass deliberately differs (see Docs/apache-compat.md).
///
/// Apache names itself by `argv[0]` as given (`/usr/bin/htpasswd: ...`) except in apr_getopt's two messages,
/// which use its last path component; ``program`` and ``shortProgram`` are those two names.
struct ApacheMessages {
    let program: [UInt8]
    let shortProgram: [UInt8]

    init(program: [UInt8]) {
        self.program = program
        shortProgram = Array(program.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).last ?? [])
    }

    // MARK: Results

    func added(_ user: [UInt8]) -> [UInt8] { text("Adding password for user ") + name(user) + newline }
    func updated(_ user: [UInt8]) -> [UInt8] { text("Updating password for user ") + name(user) + newline }
    func deleted(_ user: [UInt8]) -> [UInt8] { text("Deleting password for user ") + name(user) + newline }
    func notFound(_ user: [UInt8]) -> [UInt8] { text("User ") + name(user) + text(" not found") + newline }
    func correct(_ user: [UInt8]) -> [UInt8] { text("Password for user ") + name(user) + text(" correct.") + newline }
    var verificationFailed: [UInt8] { text("password verification failed") + newline }
    func emptyHash(_ user: [UInt8]) -> [UInt8] { text("Empty hash for user ") + name(user) + newline }

    // MARK: Warnings

    var costIgnored: [UInt8] { text("Warning: Ignoring -C/-r argument for this algorithm.") + newline }
    var plainWarning: [UInt8] {
        text("Warning: storing passwords as plain text might just not work on this platform.") + newline
    }
    /// htpass's own: `-b` shows the password to every local user (ps, /proc) and keeps it in shell history.
    var argumentWarning: [UInt8] {
        prefixed(
            "warning: -b puts the password on the command line, where other local users can read it (ps, /proc) "
                + "and shell history keeps it; prefer -i, or set HTPASS_QUIET_ARGV=1 to hide this warning")
    }

    // MARK: Command line

    func illegalOption(_ letter: UInt8) -> [UInt8] {
        shortProgram + text(": illegal option -- ") + [letter] + newline + usage
    }
    func missingArgument(_ letter: UInt8) -> [UInt8] {
        shortProgram + text(": option requires an argument -- ") + [letter] + newline + usage
    }
    var badCost: [UInt8] { prefixed("argument to -C/-r must be a positive integer") }
    var modeConflict: [UInt8] { prefixed("only one of -c -n -v -D may be specified") }
    var fileNameTooLong: [UInt8] { prefixed("filename too long") }
    var userTooLong: [UInt8] { prefixed("username too long (> \(ApacheCommandLine.userLimit))") }
    var userColon: [UInt8] { prefixed("username contains illegal character ':'") }
    var passwordTooLong: [UInt8] {
        prefixed(
            "password too long (> \(ApacheCommandLine.passwordLimit) bytes, the most htpass accepts)")
    }
    var recordTooLong: [UInt8] { prefixed("resultant record too long") }

    func userRefused(_ problem: UserName.Problem) -> [UInt8] {
        prefixed(
            "username refused: \(problem); \(Advice.userName(problem)) (servers would not read it back as written)")
    }
    var plainRefused: [UInt8] {
        prefixed(
            "-p (plain text) is refused: no server on Linux accepts plain-text passwords; use -B (bcrypt) or -m")
    }

    /// The usage, printed after a command line htpasswd cannot run.
    var usage: [UInt8] {
        text(
            """
            Usage:
            \thtpasswd [-cimB25dpsDv] [-C cost] [-r rounds] passwordfile username
            \thtpasswd -b[cmB25dpsDv] [-C cost] [-r rounds] passwordfile username password

            \thtpasswd -n[imB25dps] [-C cost] [-r rounds] username
            \thtpasswd -nb[mB25dps] [-C cost] [-r rounds] username password
             -c  Start a new file (an existing one loses every user).
             -n  Print the user:hash line on standard output; touch no file.
             -b  Take the password from the command line (shown to other local users; prefer -i).
             -i  Read the password from standard input (all of it, less one final newline).
             -m  Hash with Apache's MD5 ($apr1$, the default).
             -2  Hash with SHA-256 crypt ($5$).
             -5  Hash with SHA-512 crypt ($6$).
             -B  Hash with bcrypt ($2y$; passwords of at most 72 bytes).
             -C  bcrypt cost, 4 to 17 (default 5); with -2/-5 it sets the rounds, as -r does.
             -r  SHA-256/SHA-512 rounds, 1000 to 999999999 (default 5000); with -B it sets the cost, as -C does.
             -d  Hash with traditional crypt (DES; passwords of at most 8 bytes; insecure).
             -s  Hash with unsalted SHA-1 ({SHA}; insecure).
             -p  Plain text: refused by htpass, since no server on Linux accepts it.
             -D  Delete the user.
             -v  Check the user's password.
            This is htpass's Apache-compatible interface: see Docs/apache-compat.md, or 'htpass help htpasswd'.

            """)
    }

    // MARK: Files

    func cannotModify(_ path: [UInt8]) -> [UInt8] {
        program + text(": cannot modify file ") + path + text("; use '-c' to create it") + newline
    }
    func cannotOpen(_ path: [UInt8], forWriting: Bool) -> [UInt8] {
        program + text(": cannot open file ") + path + text(forWriting ? " for read/write access" : " for read access")
            + newline
    }
    func cannotCreate(_ path: [UInt8]) -> [UInt8] { program + text(": cannot create file ") + path + newline }
    func invalidFile(_ path: [UInt8]) -> [UInt8] {
        program + text(": The file ") + path + text(" does not appear to be a valid htpasswd file.") + newline
    }
    func notUTF8(_ path: [UInt8]) -> [UInt8] {
        program + text(": the file name ") + Array(String(displaying: path).utf8)
            + text(" is not valid UTF-8, which htpass cannot open; rename the file") + newline
    }
    /// An edit that failed in the store (Apache: "unable to update file"); the library's description says what
    /// and why.
    func editFailed(_ path: [UInt8], _ error: HtpasswdError) -> [UInt8] {
        program + text(": unable to update file ") + path + text(": \(error)") + newline
    }

    // MARK: Passwords

    var promptMismatch: [UInt8] { prefixed("password verification error") }
    var noPassword: [UInt8] {
        prefixed(
            "no password: there is no terminal to ask on and standard input gave nothing; use -i (or -b), "
                + "and pass the password on standard input")
    }
    var emptyStandardInput: [UInt8] {
        prefixed(
            "the password read from standard input is empty, which is refused (Apache would store it); "
                + "check the variable or file that should hold it, or use -b '' for a deliberate empty password")
    }
    func cost(_ cost: Int) -> [UInt8] {
        prefixed("Unable to encode with bcrypt: cost \(cost) is outside 4 to 17; use -C 4 to -C 17")
    }
    func rounds(_ rounds: Int) -> [UInt8] {
        prefixed(
            "rounds \(rounds) are outside 1000 to 999999999 (Apache would store the unusable hash '*0'); "
                + "use -r 1000 to -r 999999999, or leave -r out for 5000")
    }
    func passwordRefused(_ problem: PasswordProblem) -> [UInt8] {
        switch problem {
        case .tooLong(let algorithm, let limit, let length):
            prefixed(
                "the password is \(length) bytes but \(algorithm == .bcrypt ? "bcrypt" : "crypt (-d)") uses only "
                    + "the first \(limit), so any password starting with them would match (Apache truncates "
                    + "silently); use a shorter password, or -5 (SHA-512)")
        case .containsNUL:
            prefixed("the password contains a NUL byte, where Apache would cut it; remove it")
        case .empty:
            emptyStandardInput
        }
    }
    func hashingFailed(_ error: HtpasswdError) -> [UInt8] { prefixed("\(error)") }

    // MARK: Helpers

    /// `program: message` and a newline.
    private func prefixed(_ message: String) -> [UInt8] { program + text(": " + message) + newline }
    private func text(_ string: String) -> [UInt8] { Array(string.utf8) }
    private var newline: [UInt8] { [0x0A] }

    /// A user name as Apache prints it: its bytes, as given on the command line.
    private func name(_ user: [UInt8]) -> [UInt8] { user }
}

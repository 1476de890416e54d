import ArgumentParser
import Glibc
import HtpasswdCore

/// The exit statuses of `htpass`, as documented in `--help`, the man page and Docs/usage.md.
///
/// This is the one place where errors become statuses.
enum ExitStatus: Int32 {
    /// Success; for verify: the password matches.
    case success = 0
    /// verify: the password does not match.
    case mismatch = 1
    /// Bad options or arguments, or no password source and no terminal.
    case usage = 2
    /// No such user (verify, delete without `--missing-ok`).
    case noSuchUser = 3
    /// The file is missing, unreadable, unwritable, not a regular file, or its lock was not obtained.
    case fileProblem = 4
    /// A user name, password or cost/rounds that is not allowed.
    case rejectedInput = 5
    /// The user's entry cannot be verified: unknown hash format or a failure token.
    case unverifiable = 6

    /// The text of the "Exit status" section of the root help.
    static let helpText = """
        EXIT STATUS:
          0  success; for verify: the password matches
          1  verify: the password does not match
          2  usage error: bad options or arguments, or no password source and no terminal
          3  no such user (verify, delete without --missing-ok)
          4  file problem: missing, unreadable, unwritable, not a regular file, lock not obtained, an interrupted in-place edit that only another mount namespace can finish or that cannot be finished (see 'htpass recover'); standard output cannot be written (a full disk, a closed pipe: a generated password or apply's report that cannot be written is not stored); verify --as T: T refuses the whole file
          5  rejected input: user name, password, cost/rounds, SPEC line, or what a --target cannot verify
          6  the user's entry cannot be verified: unknown hash format or a failure token; verify --as T: a format, cost or prefix T cannot verify
          check: 0 no error, 1 an error (--strict: a warning too) such as a missing file or a directory in its place, 4 the file exists but cannot be read
        """

    /// The status for an error of the libraries.
    init(for error: HtpasswdError) {
        switch error {
        case .fileSystem, .ownerNotKept, .lockTimeout, .randomFailed,
            .changedSinceRead, .interruptedEditElsewhere, .editPending, .interruptedEditNotFinished, .untrustedJournal,
            .unsafePath:
            self = .fileProblem
        case .userNotFound:
            self = .noSuchUser
        case .invalidHashParameter(.notApplicable):
            self = .usage
        case .invalidUserName, .invalidPassword, .invalidHash, .invalidHashParameter, .hashingFailed, .notVerifiable:
            self = .rejectedInput
        }
    }
}

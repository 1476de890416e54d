import Glibc

/// Password prompts on the controlling terminal (`/dev/tty`), with echo turned off through termios.
///
/// The terminal's settings are restored on every path, including when the user interrupts the prompt.
enum Terminal {
    /// Whether standard input is a terminal: only then does htpass prompt.
    static var standardInputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Prints `prompt` on the terminal and reads one line without echo, without its line ending.
    ///
    /// - Returns: The bytes typed, or nil if the terminal cannot be opened. The caller owns them and wipes
    ///   them (``wipe(_:)``) when done.
    static func readSecret(prompt: String) -> [UInt8]? {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        write(fd, Array(prompt.utf8))
        // Room for any password a format takes, so that the line never moves to larger storage, leaving the
        // characters typed so far behind in freed memory; the caller wipes it.
        var line: [UInt8] = []
        line.reserveCapacity(4096)
        let hidden = withoutEcho(fd) {
            var byte: UInt8 = 0
            while true {
                let n = read(fd, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 || byte == UInt8(ascii: "\n") { break }
                line.append(byte)
            }
        }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        if !hidden { write(fd, Array("\n".utf8)) }
        return line
    }

    /// Runs `body`, which reads standard input until its end, with the terminal's echo off, after saying on
    /// standard error what is read and how to end it (`prompt`, which names Ctrl-D). For `--stdin` and
    /// `apply`'s SPEC when standard input is a terminal: a password typed there is not shown, and a program
    /// that waits is not mistaken for one that hangs.
    static func readingStandardInput<Result>(prompt: String, _ body: () throws -> Result) throws -> Result {
        _ = Array(("htpass: " + prompt).utf8).withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
        var result: Result?
        var failure: (any Error)?
        withoutEcho(STDIN_FILENO) {
            do { result = try body() } catch { failure = error }
        }
        if let failure { throw failure }
        return result!
    }

    /// Runs `body` with the echo of terminal `fd` off (new lines still shown), restoring the settings after it
    /// and when a signal stops or ends the process.
    ///
    /// - Returns: Whether the echo could be turned off (false: `fd` is not a terminal).
    @discardableResult
    static func withoutEcho(_ fd: CInt, _ body: () -> Void) -> Bool {
        var settings = termios()
        let canHideEcho = tcgetattr(fd, &settings) == 0
        if canHideEcho {
            var quiet = settings
            quiet.c_lflag &= ~tcflag_t(ECHO)
            quiet.c_lflag |= tcflag_t(ECHONL)
            Saved.fd = fd
            Saved.settings = settings
            Saved.quiet = quiet
            for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP] { Glibc.signal(signal, restoreAndReraise) }
            Glibc.signal(SIGCONT, hideEchoAgain)
            tcsetattr(fd, TCSAFLUSH, &quiet)
        }
        defer {
            if canHideEcho {
                tcsetattr(fd, TCSAFLUSH, &settings)
                for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGCONT] { Glibc.signal(signal, SIG_DFL) }
                Saved.fd = -1
            }
        }
        body()
        return canHideEcho
    }

    private static func write(_ fd: CInt, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }
}

/// What a signal handler needs to give the terminal its echo back.
private enum Saved {
    nonisolated(unsafe) static var fd: CInt = -1
    nonisolated(unsafe) static var settings = termios()
    nonisolated(unsafe) static var quiet = termios()
}

/// Restores the terminal's settings, then dies of (or, for Ctrl-Z, stops on) the same signal.
private func restoreAndReraise(_ signal: CInt) {
    if Saved.fd >= 0 { tcsetattr(Saved.fd, TCSANOW, &Saved.settings) }
    Glibc.signal(signal, SIG_DFL)
    raise(signal)
}

/// After a stop (Ctrl-Z) and `fg`: hides the echo again, and catches the next stop.
private func hideEchoAgain(_ signal: CInt) {
    guard Saved.fd >= 0 else { return }
    tcsetattr(Saved.fd, TCSANOW, &Saved.quiet)
    Glibc.signal(SIGTSTP, restoreAndReraise)
}

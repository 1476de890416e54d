import Glibc

/// How `htpass htpasswd` reads a password, as Apache htpasswd does, less its traps.
///
/// - `-b`: the argument (Apache: at most 255 bytes; htpass: up to ``ApacheCommandLine/passwordLimit``).
/// - `-i`: all of standard input, less one final `\n` and then one `\r` before it (Apache reads it whole, so
///   `a\nb\n` is the password `a\nb`). An empty result is refused when setting a password.
/// - Neither: a prompt. Apache calls glibc's `getpass`, which asks on `/dev/tty` without echo, or, when there is
///   no terminal, prints the prompt on standard error and reads a line of standard input. htpass does the same,
///   except that it refuses the empty password that `getpass` returns when standard input is empty: Apache
///   stores it without a word.
///
/// The caller owns the password returned and wipes it (``wipe(_:)``); what is read on the way (a second answer,
/// standard input's buffer) is wiped here. A `-b` password is in the arguments, which nothing can wipe.
enum ApachePassword {
    /// The new password for an add, update, create or display run.
    static func new(_ commandLine: ApacheCommandLine, _ messages: ApacheMessages) throws(ApacheFailure) -> [UInt8] {
        switch commandLine.passwordSource {
        case .argument:
            return commandLine.password ?? []
        case .standardInput:
            let password = try standardInput(messages)
            guard !password.isEmpty else { throw ApacheFailure(.syntax, messages.emptyStandardInput) }
            return password
        case .prompt:
            var first: [UInt8]
            let fromTerminal: Bool
            (first, fromTerminal) = try prompt("New password: ", messages)
            var second: [UInt8]
            do throws(ApacheFailure) { second = try prompt("Re-type new password: ", messages).bytes } catch {
                wipe(&first)
                throw error
            }
            let same = first == second
            wipe(&second)
            guard same else {
                wipe(&first)
                throw ApacheFailure(.verificationFailed, messages.promptMismatch)
            }
            if first.isEmpty && !fromTerminal {
                throw ApacheFailure(.syntax, messages.noPassword)
            }
            return first
        }
    }

    /// The password to check with `-v`: asked once, and an empty one is simply checked.
    static func toVerify(_ commandLine: ApacheCommandLine, _ messages: ApacheMessages) throws(ApacheFailure)
        -> [UInt8]
    {
        switch commandLine.passwordSource {
        case .argument: return commandLine.password ?? []
        case .standardInput: return try standardInput(messages)
        case .prompt: return try prompt("Enter password: ", messages).bytes
        }
    }

    /// All of standard input, less one final `\n` and the `\r` before it.
    private static func standardInput(_ messages: ApacheMessages) throws(ApacheFailure) -> [UInt8] {
        var bytes = Input.readAll(limit: ApacheCommandLine.passwordLimit + 2)
        if bytes.last == 0x0A {
            bytes.removeLast()
            if bytes.last == 0x0D { bytes.removeLast() }
        }
        guard bytes.count <= ApacheCommandLine.passwordLimit else {
            wipe(&bytes)
            throw ApacheFailure(.tooLong, messages.passwordTooLong)
        }
        return bytes
    }

    /// One answer: typed on the terminal without echo, or, without a terminal, a line of standard input after
    /// the prompt on standard error (a final `\n` removed; nothing else, as `getpass` does).
    private static func prompt(_ text: String, _ messages: ApacheMessages) throws(ApacheFailure) -> (
        bytes: [UInt8], fromTerminal: Bool
    ) {
        var answer: (bytes: [UInt8], fromTerminal: Bool)
        if let typed = Terminal.readSecret(prompt: text) {
            answer = (typed, true)
        } else {
            Output.standardError(Array(text.utf8))
            answer = (Input.line(limit: ApacheCommandLine.passwordLimit + 1), false)
        }
        guard answer.bytes.count <= ApacheCommandLine.passwordLimit else {
            wipe(&answer.bytes)
            throw ApacheFailure(.tooLong, messages.passwordTooLong)
        }
        return answer
    }

    /// Standard input, read once: lines for the prompts without a terminal, or everything for `-i`.
    ///
    /// The bytes handed out are zeroed in ``buffer`` at once, and ``buffer`` starts with room for two
    /// answers of the longest password, so that it rarely moves to larger storage (which would leave what it
    /// held behind, unwiped).
    private enum Input {
        nonisolated(unsafe) static var buffer: [UInt8] = []
        /// Where the bytes not yet handed out start in ``buffer``.
        nonisolated(unsafe) static var start = 0
        nonisolated(unsafe) static var ended = false

        /// Reads more into ``buffer``; false at the end of input or on an error.
        private static func fill() -> Bool {
            guard !ended else { return false }
            if buffer.capacity == 0 { buffer.reserveCapacity(2 * (ApacheCommandLine.passwordLimit + 2) + 4096) }
            var chunk = [UInt8](repeating: 0, count: 4096)
            defer { wipe(&chunk) }
            while true {
                let n = chunk.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    ended = true
                    return false
                }
                buffer.append(contentsOf: chunk[..<n])
                return true
            }
        }

        /// Hands out `buffer[start..<end]` (at most `limit` bytes of it) and zeroes `buffer[start..<next]`,
        /// which is then consumed.
        private static func take(upTo end: Int, limit: Int, next: Int) -> [UInt8] {
            let taken = Array(buffer[start..<end].prefix(limit))
            buffer.withUnsafeMutableBytes { bytes in
                if let base = bytes.baseAddress { explicit_bzero(base + start, next - start) }
            }
            start = next
            if start == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            return taken
        }

        /// The next line without its `\n` (or what is left at the end of input), at most `limit` bytes kept.
        static func line(limit: Int) -> [UInt8] {
            var searched = start
            while true {
                if let newline = buffer[searched...].firstIndex(of: 0x0A) {
                    return take(upTo: newline, limit: limit, next: newline + 1)
                }
                searched = buffer.count
                if !fill() { return take(upTo: buffer.count, limit: limit, next: buffer.count) }
            }
        }

        /// Everything up to the end of input, or the first `limit` bytes of it.
        static func readAll(limit: Int) -> [UInt8] {
            while buffer.count - start < limit && fill() {}
            return take(upTo: buffer.count, limit: limit, next: buffer.count)
        }
    }
}

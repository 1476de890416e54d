import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The three ways one corpus case runs: Apache's htpasswd, htpass through a link named `htpasswd`, and
/// `htpass htpasswd`; each in a directory of its own holding a copy of the case's starting file as `f`.
enum Runner: String, CaseIterable, Sendable {
    case apache, link, subcommand

    /// What one run did.
    struct Result: Sendable {
        var status: Int32
        var stdout: [UInt8]
        /// Standard error; for a run on a terminal, everything the terminal showed.
        var stderr: [UInt8]
        /// On a terminal: whether the echo was off at each answer.
        var echoOff: [Bool] = []
        /// The file `f` afterwards, or nil if there is none.
        var file: [UInt8]?
        /// The permission bits of `f` afterwards.
        var mode: mode_t?
        /// The directory's other names afterwards (a temporary file left behind, a file made by mistake).
        var otherNames: [String]
    }

    /// Where the programs are: found once per test run.
    struct Programs: Sendable {
        let apache: String
        let htpass: String
        /// A directory holding `htpasswd`, a symbolic link to ``htpass``.
        let link: String

        init() throws {
            htpass = TestSupport.htpassBinary
            guard FileManager.default.isExecutableFile(atPath: htpass) else {
                throw Failure("no htpass binary at \(htpass): run 'swift build --build-tests', or set HTPASS_BIN")
            }
            apache = try Self.apacheHtpasswd(besides: htpass)
            let directory = try TestSupport.temporaryDirectory("htpass-apache-link")
            link = directory + "/htpasswd"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: htpass)
        }

        /// Apache's htpasswd: `$APACHE_HTPASSWD`, /usr/bin/htpasswd, or the first on PATH, but never htpass
        /// itself, which `make install WITH_HTPASSWD_LINK=1` puts ahead of it on PATH.
        private static func apacheHtpasswd(besides htpass: String) throws -> String {
            var candidates = ["/usr/bin/htpasswd"]
            if let path = ProcessInfo.processInfo.environment["APACHE_HTPASSWD"], !path.isEmpty {
                candidates.insert(path, at: 0)
            }
            if let found = try? TestSupport.locate("htpasswd") { candidates.append(found) }
            let ours = URL(fileURLWithPath: htpass).resolvingSymlinksInPath().path
            for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
                if URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path == ours { continue }
                // A copy, or another build, of htpass names itself in its usage.
                let usage = try TestSupport.run(candidate, []).stderrText
                if usage.range(of: "htpass([^w]|$)", options: .regularExpression) != nil { continue }
                return candidate
            }
            throw Failure("Apache's htpasswd is not installed (apache2-utils); run 'make test', which installs it")
        }

        func command(_ runner: Runner) -> (program: String, prefix: [[UInt8]]) {
            switch runner {
            case .apache: (apache, [])
            case .link: (link, [])
            case .subcommand: (htpass, [Array("htpasswd".utf8)])
            }
        }
    }

    /// Runs `testCase` in a new directory.
    func run(_ testCase: Case, _ programs: Programs) throws -> Result {
        let directory = try TestSupport.temporaryDirectory("htpass-apache-\(rawValue)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        if let start = testCase.start {
            try TestSupport.writeBytes(start.bytes, to: directory + "/f")
            chmod(directory + "/f", 0o640)
        }
        for name in testCase.directories {
            try FileManager.default.createDirectory(atPath: directory + "/" + name, withIntermediateDirectories: true)
        }
        if let modes = testCase.asNobody {
            chmod(directory + "/f", modes.file)
            chmod(directory, modes.directory)
        }
        defer { chmod(directory, 0o700) }
        let (program, prefix) = programs.command(self)
        var result: Result
        if let answers = testCase.answers {
            let session = try Self.terminal(program, prefix + testCase.arguments, answers: answers, in: directory)
            // The terminal shows both streams: the record `-n` prints goes back to standard output.
            var stdout: [UInt8] = []
            var shown: [UInt8] = []
            let prefix = testCase.stored.map { $0.user + [UInt8(ascii: ":")] }
            for line in session.transcript.split(separator: 0x0A, omittingEmptySubsequences: false) {
                if let prefix, line.starts(with: prefix) {
                    stdout += line + [0x0A]
                } else {
                    shown += line + [0x0A]
                }
            }
            result = Result(
                status: session.status, stdout: stdout, stderr: shown, echoOff: session.echoOff, file: nil,
                otherNames: [])
        } else {
            let output = try TestSupport.spawn(
                program, prefix + testCase.arguments, stdin: testCase.stdin,
                environment: ["HTPASS_QUIET_ARGV": nil],
                options: .init(asNobody: testCase.asNobody != nil, directory: directory))
            result = Result(status: output.status, stdout: output.stdout, stderr: output.stderr, otherNames: [])
        }
        let path = directory + "/f"
        var info = stat()
        if lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG {
            result.file = try TestSupport.readBytes(path)
            result.mode = info.st_mode & 0o7777
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        result.otherNames = names.filter { $0 != "f" && !testCase.directories.contains($0) }.sorted()
        return result
    }

    /// Runs a program on a pseudo-terminal (Tests/Fixtures/cli/pty_run.py) in `directory`, typing `answers`.
    private static func terminal(_ program: String, _ arguments: [[UInt8]], answers: [String], in directory: String)
        throws -> (status: Int32, transcript: [UInt8], echoOff: [Bool])
    {
        let script = TestSupport.fixtures + "/cli/pty_run.py"
        let answersJSON = try JSONSerialization.data(withJSONObject: answers)
        let output = try TestSupport.spawn(
            "python3", [Array(script.utf8), Array(answersJSON), Array("--".utf8), Array(program.utf8)] + arguments,
            environment: ["HTPASS_QUIET_ARGV": nil], options: .init(directory: directory))
        guard output.status == 0,
            let object = try? JSONSerialization.jsonObject(with: Data(output.stdout)) as? [String: Any],
            let status = object["status"] as? Int,
            let transcript = (object["transcript"] as? String).flatMap({ Data(base64Encoded: $0) }),
            let echoOff = object["echo_off"] as? [Bool]
        else {
            throw Failure("pty_run.py failed (\(output.status)): \(output.stderrText) \(output.stdoutText)")
        }
        // The terminal turns "\n" into "\r\n".
        var bytes: [UInt8] = []
        for byte in transcript where byte != 0x0D { bytes.append(byte) }
        return (Int32(status), bytes, echoOff)
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Verifying a stored hash with both tools

/// Checks `password` against one `user:hash` record with `htpasswd -vi` of Apache and of htpass, in a file of
/// its own, so that nothing else in the file can get in the way.
struct HashChecker: Sendable {
    let programs: Runner.Programs

    /// Nil if both tools accept the password; otherwise what went wrong.
    func problem(user: [UInt8], hash: [UInt8], password: [UInt8]) throws -> String? {
        let directory = try TestSupport.temporaryDirectory("htpass-apache-verify")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try TestSupport.writeBytes(user + [UInt8(ascii: ":")] + hash + [0x0A], to: directory + "/f")
        var runners: [Runner] = [.link]
        // Apache's -i reads at most 255 bytes: a longer password is one of htpass's deviations.
        if password.count <= 255 { runners.append(.apache) }
        for runner in runners {
            let (program, prefix) = programs.command(runner)
            let output = try TestSupport.spawn(
                program, prefix + [Array("-vi".utf8), Array("f".utf8), user], stdin: password,
                options: .init(directory: directory))
            if output.status != 0 {
                return "\(runner.rawValue)'s htpasswd -v rejects the password for "
                    + "\(String(decoding: user + [58] + hash, as: UTF8.self)): \(output.status) \(output.stderrText)"
            }
        }
        return nil
    }
}

// MARK: - What a run printed, as kinds

/// Standard error (or a terminal's transcript) as the set of messages it holds, so that Apache's wording,
/// its `argv[0]` and htpass's own texts compare by meaning.
enum MessageKinds {
    /// The kinds of the lines in `bytes`, and whether htpass's `-b` warning was among them (it is removed).
    static func classify(_ bytes: [UInt8]) -> (kinds: Set<String>, argumentWarning: Bool) {
        var text = String(decoding: bytes, as: UTF8.self)
        var kinds = Set<String>()
        for (prompt, kind) in [
            ("New password: ", "prompt-new"), ("Re-type new password: ", "prompt-retype"),
            ("Enter password: ", "prompt-enter"),
        ] where text.contains(prompt) {
            kinds.insert(kind)
            text = text.replacingOccurrences(of: prompt, with: "\n")
        }
        var warned = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var line = String(line)
            if line.contains(": warning: -b puts the password on the command line") {
                warned = true
                continue
            }
            if line == "Usage:" {
                kinds.insert("usage")
                break  // the rest is the usage text
            }
            // Apache prints "Adding " (or "Updating ", "Deleting ") for each line of the user, then
            // "password for user NAME", or an error if the file turns out to be invalid.
            var verb: String?
            while let found = ["Adding ", "Updating ", "Deleting "].first(where: { line.hasPrefix($0) }) {
                verb = verb ?? found
                line.removeFirst(found.count)
            }
            if line.hasPrefix("password for user "), let verb {
                kinds.insert(["Adding ": "added", "Updating ": "updated", "Deleting ": "deleted"][verb]!)
                continue
            }
            kinds.insert(kind(of: line))
        }
        return (kinds, warned)
    }

    private static let patterns: [(String, String)] = [
        ("^User .* not found$", "user-not-found"),
        ("^Password for user .* correct\\.$", "correct"),
        ("^password verification failed$", "verification-failed"),
        ("^Empty hash for user ", "empty-hash"),
        (": password verification error$", "prompts-differ"),
        ("^Warning: Ignoring -C/-r argument for this algorithm\\.$", "cost-ignored"),
        ("^Warning: storing passwords as plain text", "plain-warning"),
        ("^Warning: Password truncated to 8 characters", "truncation-warning"),
        (": illegal option -- .$", "illegal-option"),
        (": option requires an argument -- .$", "missing-argument"),
        (": argument to -C/-r must be a positive integer$", "bad-cost-argument"),
        (": only one of -c -n -v -D may be specified$", "mode-conflict"),
        (": filename too long$", "file-name-too-long"),
        (": username too long", "user-too-long"),
        (": username contains illegal character", "user-colon"),
        (": password too long", "password-too-long"),
        (": resultant record too long$", "record-too-long"),
        (": cannot modify file .*; use '-c' to create it$", "cannot-modify"),
        (": cannot open file .* for", "cannot-open"),
        (": cannot create file ", "cannot-create"),
        ("does not appear to be a valid htpasswd file\\.$", "invalid-file"),
        (": Unable to encode with bcrypt", "bcrypt-failed"),
        (": unable to update file ", "update-failed"),
        // htpass's own messages, for its deviations.
        (": no password: ", "htpass-no-password"),
        (": the password read from standard input is empty", "htpass-empty-stdin"),
        (": rounds [0-9]+ are outside", "htpass-rounds"),
        (": the password is [0-9]+ bytes but", "htpass-truncation"),
        (": the password contains a NUL byte", "htpass-nul"),
        (": username refused: ", "htpass-user-name"),
        (": -p \\(plain text\\) is refused", "htpass-plain"),
    ]

    private static func kind(of line: String) -> String {
        for (pattern, kind) in patterns where line.range(of: pattern, options: .regularExpression) != nil {
            return kind
        }
        return "unknown: " + line
    }
}

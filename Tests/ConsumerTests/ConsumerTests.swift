import Foundation
import Glibc
import TestSupport
import Testing

/// htpass's targets against the real servers they name: nginx (Debian), nginx-alpine (nginx on musl with
/// musl's crypt), Apache httpd, lighttpd, Traefik (its users-file reading around go-http-auth) and the Docker
/// registry, each started on 127.0.0.1 by TestSupport's Consumers.
///
/// Run by `make test-consumers` (which installs and builds the servers with scripts/install-server-deps.sh);
/// `make test-consumers-slow` adds bcrypt costs 18 to 20, which take minutes per server.
@Suite("Real consumers")
struct ConsumerTests {
    static let corpus: Corpus = {
        do { return try Corpus.load() } catch { fatalError("cannot load the corpus: \(error)") }
    }()

    @Test("The corpus, as HTPASS_CONSUMER_FILES selects it, has cases for every server to answer")
    func filterSelectsCases() {
        let selected = Self.corpus.byFile()
        let pattern = ProcessInfo.processInfo.environment["HTPASS_CONSUMER_FILES"] ?? ""
        #expect(
            !selected.isEmpty,
            "HTPASS_CONSUMER_FILES='\(pattern)' selects none of the \(Self.corpus.cases.count) cases (or is no regular expression)"
        )
        print("corpus: \(selected.reduce(0) { $0 + $1.cases.count }) cases in \(selected.count) files")
    }

    // MARK: The harnesses

    @Test(
        "Each server starts on 127.0.0.1, lets in the right password only, and sees a rewritten file",
        arguments: Consumers.names)
    func harness(target: String) throws {
        let sandbox = try TestSupport.temporaryDirectory("htpass-harness")
        let file = sandbox + "/htpasswd"
        try TestSupport.writeBytes(try bcryptLine("alice", "alice-pw"), to: file)
        try Consumers.with(target, userFile: file) { server in
            #expect(server.name == target)
            #expect(try server.status(user: "alice", password: "alice-pw") == 200, "\(server.log)")
            #expect(try server.status(user: "alice", password: "alice-pX") == 401)
            #expect(try server.status(user: nil, password: []) == 401)
            #expect(try server.status(user: "bob", password: "alice-pw") == 401)
            try server.serve(try bcryptLine("bob", "bob-pw"))
            #expect(try server.status(user: "bob", password: "bob-pw") == 200, "\(server.log)")
            #expect(try server.status(user: "alice", password: "alice-pw") == 401)
        }
    }

    /// A bcrypt line made by Apache's htpasswd at cost 4, which every server here verifies.
    func bcryptLine(_ user: String, _ password: String) throws -> [UInt8] {
        let output = try TestSupport.run("htpasswd", ["-n", "-i", "-B", "-C", "4", user], stdin: Array(password.utf8))
        try #require(output.status == 0, "htpasswd: \(output.stderrText)")
        return Array(output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines).utf8) + [0x0A]
    }

    // MARK: The real servers on the corpus

    @Test("Each server answers every corpus case the same way twice", arguments: Consumers.names)
    func realAnswersAreStable(target: String) throws {
        let answers = try RealAnswers.shared.answers(target, corpus: Self.corpus)
        #expect(answers.status.count == Self.corpus.byFile().reduce(0) { $0 + $1.cases.count })
        for (id, first, second) in answers.unstable {
            Issue.record("\(target): case \(id) answered \(first), then \(second)")
        }
        // The control: a bcrypt $2y$ cost-4 entry made by htpasswd, which every one of them verifies.
        let control = Self.corpus.cases.filter {
            $0.file == "bcrypt-2y-cost04.htpasswd" && Corpus.selected($0.file)
        }
        if Corpus.fileFilter == nil { try #require(!control.isEmpty) }
        for item in control {
            let expected = item.kind == "right" ? 200 : 401
            #expect(answers.status[item.id] == expected, "\(target): \(item)")
        }
    }

    // MARK: (b) verify --as agrees with the real server

    @Test("htpass verify --as T gives the real T's verdict on every corpus case", arguments: Consumers.names)
    func verifyAgrees(target: String) throws {
        let answers = try RealAnswers.shared.answers(target, corpus: Self.corpus)
        var agreed = 0
        var total = 0
        var disagreements: [String] = []
        for (file, cases) in Self.corpus.byFile() {
            for item in cases {
                guard let real = answers.status[item.id] else { continue }
                total += 1
                let output = try htpassBytes(
                    ["verify", "--as", target, "--allow-empty", Corpus.path(of: file)].map { Array($0.utf8) } + [
                        item.user, Array("--stdin".utf8),
                    ],
                    stdin: item.password + [0x0A])
                let verdict = RealVerdict(status: real)
                if verdict.agreeingExits.contains(output.status) {
                    agreed += 1
                } else {
                    disagreements.append(
                        "\(item): real \(target) \(real) (\(verdict.rawValue)), htpass verify --as \(target) exit "
                            + "\(output.status) \(output.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))")
                }
            }
        }
        print("verify --as \(target): \(agreed) of \(total) cases agree with the real \(target)")
        for line in disagreements { Issue.record(Comment(rawValue: line)) }
    }

    // MARK: (c) check --target reports exactly the entries the real server refuses

    @Test(
        "htpass check --target T reports an error for exactly the entries the real T refuses",
        arguments: Consumers.names)
    func checkAgrees(target: String) throws {
        let answers = try RealAnswers.shared.answers(target, corpus: Self.corpus)
        var agreed = 0
        var total = 0
        var refusedByReal = 0
        var problems: [String] = []
        var notes: [String] = []
        for (file, cases) in Self.corpus.byFile() {
            let entries = Self.entries(cases, answers: answers, notes: &notes)
            guard !entries.isEmpty else { continue }
            total += entries.count
            refusedByReal += entries.filter(\.refused).count
            let output = try htpass(["check", Corpus.path(of: file), "--target", target, "--json"])
            guard let findings = Finding.parse(output.stdout) else {
                problems.append(
                    "\(file): htpass check exit \(output.status), not the JSON report: \(output.stdoutText) \(output.stderrText)"
                )
                continue
            }
            let errors = findings.filter {
                $0.severity == "error" && ($0.target == nil || $0.target == target) && $0.line != nil
            }
            let wholeFile = errors.contains { $0.user == nil }
            for entry in entries {
                let reported = wholeFile || errors.contains { $0.line == entry.line }
                if reported == entry.refused {
                    agreed += 1
                } else {
                    problems.append(
                        "\(file) line \(entry.line) (\(entry.cases.map { "\($0.id) user \(Escaped($0.user)): real \(answers.status[$0.id] ?? 0)" }.joined(separator: "; "))): "
                            + "the real \(target) \(entry.refused ? "refuses" : "accepts") it with its right password, "
                            + "htpass check --target \(target) \(reported ? "reports an error" : "reports no error") "
                            + "(exit \(output.status); errors: \(errors.map(\.summary).joined(separator: " | ")))")
                }
            }
            // Exit status: 1 with errors, 0 without.
            let expectedExit: Int32 = errors.isEmpty ? 0 : 1
            if output.status != expectedExit {
                problems.append(
                    "\(file): htpass check --target \(target) exit \(output.status) with \(errors.count) errors")
            }
        }
        print(
            "check --target \(target): \(agreed) of \(total) entries agree with the real \(target) "
                + "(which refuses \(refusedByReal) of them with their right password)")
        for note in Set(notes).sorted() { print("check --target \(target): \(note)") }
        for line in problems { Issue.record(Comment(rawValue: line)) }
    }

    struct Entry {
        var line: Int
        var cases: [Corpus.Case]
        var refused: Bool
    }

    /// The entries (lines) of one file that (c) judges for `target`, from the real answers: a line is refused
    /// when its first case (the user name as the tool wrote it, the name meant) does not get in with the line's
    /// own password; the other cases of the line only show how servers read it. For a user listed twice, only
    /// the line the server uses counts: the one that let its password in; when none did, the user's lines are
    /// left out (the server's choice cannot be told), unless the server refused the whole file. Cases about the
    /// password (its length, a NUL byte) are left out: a file cannot tell.
    static func entries(_ cases: [Corpus.Case], answers: RealAnswers.Answers, notes: inout [String]) -> [Entry] {
        let statuses = cases.compactMap { answers.status[$0.id] }
        let fileRefused = !statuses.isEmpty && statuses.allSatisfy { RealVerdict(status: $0) == .fileRefused }
        var byLine: [Int: [Corpus.Case]] = [:]
        for item in cases where !item.passwordSpecific {
            guard let line = item.line, answers.status[item.id] != nil else { continue }
            byLine[line, default: []].append(item)
        }
        var skipped: Set<Int> = []
        for item in cases where item.linesForUser.count > 1 && !fileRefused {
            let accepted = item.linesForUser.filter { line in
                (byLine[line] ?? []).contains { $0.user == item.user && answers.status[$0.id] == 200 }
            }
            if accepted.isEmpty {
                skipped.formUnion(item.linesForUser)
                notes.append("\(item.file): \(Escaped(item.user)) listed twice and no line let in: left out")
            } else {
                skipped.formUnion(item.linesForUser.filter { !accepted.contains($0) })
            }
        }
        return byLine.keys.sorted().filter { !skipped.contains($0) }.map { line in
            let lineCases = byLine[line]!
            let refused = answers.status[lineCases[0].id] != 200
            return Entry(line: line, cases: lineCases, refused: refused)
        }
    }

    struct Finding {
        var line: Int?
        var user: String?
        var severity: String
        var id: String
        var target: String?
        var message: String

        var summary: String { "line \(line.map(String.init) ?? "-") \(id) [\(target ?? "all")]: \(message)" }

        static func parse(_ bytes: [UInt8]) -> [Finding]? {
            guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                root["file"] is String, let list = root["findings"] as? [[String: Any]]
            else { return nil }
            return list.compactMap { item in
                guard let severity = item["severity"] as? String, let id = item["id"] as? String else { return nil }
                return Finding(
                    line: item["line"] as? Int, user: item["user"] as? String, severity: severity, id: id,
                    target: item["target"] as? String, message: item["message"] as? String ?? "")
            }
        }
    }

    // MARK: (a) what htpass hash --target T writes, the real T verifies

    struct GridPoint: CustomStringConvertible, Sendable {
        var options: [String]
        /// Whether to also ask with a wrong password (each ask costs one full hash computation).
        var askWrong: Bool
        var description: String { options.joined(separator: " ") }
        var password: String { options.contains("des") ? "Pw-1234" : "pw-Ö-grid!" }
        var wrongPassword: String { options.contains("des") ? "Pw-1235" : "pw-Ö-grid?" }
    }

    static let grid: [GridPoint] = {
        var points: [GridPoint] = []
        var costs = [4, 10, 17]
        if Corpus.slowTier { costs += [18, 19, 20] }
        for cost in costs {
            points.append(GridPoint(options: ["-a", "bcrypt", "--cost", "\(cost)"], askWrong: cost <= 10))
        }
        for algorithm in ["sha512", "sha256"] {
            for rounds in [1000, 5000, 100000] {
                points.append(GridPoint(options: ["-a", algorithm, "--rounds", "\(rounds)"], askWrong: true))
            }
        }
        for algorithm in ["yescrypt", "apr1", "sha1", "des"] {
            points.append(GridPoint(options: ["-a", algorithm], askWrong: true))
        }
        return points
    }()

    /// One hash per grid point made by `htpass hash` without a target (which writes any of them), shared by
    /// every target: the hash a refusal is checked against.
    static let genuine = GenuineHashes()

    final class GenuineHashes: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String: Result<String, any Error>] = [:]

        func line(_ point: GridPoint) throws -> String {
            lock.lock()
            defer { lock.unlock() }
            if let known = lines[point.description] { return try known.get() }
            let result = Result<String, any Error> {
                let output = try htpass(
                    ["hash"] + point.options + ["--stdin", "alice"], stdin: Array((point.password + "\n").utf8),
                    environment: ["HTPASS_TARGET": nil])
                guard output.status == 0 else {
                    throw Corpus.CorpusError(description: "htpass hash \(point) (no target): \(output.stderrText)")
                }
                return output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            lines[point.description] = result
            return try result.get()
        }
    }

    /// Whether to ask the real server about every grid point's genuine hash and print the answers (the facts
    /// behind Docs/targets.md), not only about the points htpass refuses: `HTPASS_CONSUMER_REPORT` set.
    static var reportGrid: Bool { ProcessInfo.processInfo.environment["HTPASS_CONSUMER_REPORT"] != nil }

    @Test(
        "Every hash htpass hash --target T writes, the real T verifies; every one it refuses, T cannot verify",
        arguments: Consumers.names)
    func hashGrid(target: String) throws {
        if !Corpus.slowTier {
            print("hash --target \(target): bcrypt costs 18, 19 and 20 are checked by make test-consumers-slow")
        }
        let sandbox = try TestSupport.temporaryDirectory("htpass-grid")
        let userFile = sandbox + "/htpasswd"
        try TestSupport.writeBytes(try bcryptLine("alice", "alice-pw"), to: userFile)
        var accepted = 0
        var refused = 0
        var facts: [String] = []
        try Consumers.with(target, userFile: userFile) { server in
            /// The real answer to the genuine hash of `point` with its password.
            func realAnswer(_ point: GridPoint) throws -> (line: String, status: Int) {
                let line = try Self.genuine.line(point)
                try server.serve(Array((line + "\n").utf8))
                return (line, try server.status(user: "alice", password: point.password))
            }
            for point in Self.grid {
                if Self.reportGrid {
                    facts.append("\(point): \(try realAnswer(point).status)")
                }
                let output = try htpass(
                    ["hash", "--target", target] + point.options + ["--stdin", "alice"],
                    stdin: Array((point.password + "\n").utf8), environment: ["HTPASS_TARGET": nil])
                switch output.status {
                case 0:
                    accepted += 1
                    let line = output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
                    #expect(line.hasPrefix("alice:"), "\(point): \(output.stdoutText)")
                    try server.serve(Array((line + "\n").utf8))
                    let right = try server.status(user: "alice", password: point.password)
                    #expect(
                        right == 200,
                        "htpass hash --target \(target) \(point) wrote \(line); the real \(target) answered \(right)")
                    if point.askWrong {
                        let answer = try server.status(user: "alice", password: point.wrongPassword)
                        #expect(answer == 401, "\(point): a wrong password got \(answer) from the real \(target)")
                    }
                case 5:
                    refused += 1
                    let message = output.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
                    #expect(
                        !message.isEmpty && !message.contains("\n"),
                        "\(point): exit 5 wants one line on stderr: \(output.stderrText)")
                    // The refusal is justified only if the real server cannot verify such a hash either.
                    let (line, answer) = try realAnswer(point)
                    #expect(
                        answer != 200,
                        "htpass hash --target \(target) refuses \(point) (\(message)), but the real \(target) lets \(line) in"
                    )
                default:
                    Issue.record("htpass hash --target \(target) \(point): exit \(output.status): \(output.stderrText)")
                }
            }
        }
        if !facts.isEmpty { print("real \(target) on htpass's own hashes: " + facts.joined(separator: "; ")) }
        print("hash --target \(target): \(accepted) grid points written and verified, \(refused) refused and confirmed")
    }

    @Test("The registry parses its file again when it changes, and after a broken change serves its last good copy")
    func registryReload() throws {
        let sandbox = try TestSupport.temporaryDirectory("htpass-registry")
        let file = sandbox + "/htpasswd"
        let good = try bcryptLine("alice", "alice-pw")
        try TestSupport.writeBytes(good, to: file)
        try Consumers.with("registry", userFile: file) { server in
            #expect(try server.status(user: "alice", password: "alice-pw") == 200)
            // Written in place, as a text editor or htpasswd does, with a modification time of its own.
            try TestSupport.writeBytes(good + Array("no-colon-here\n".utf8), to: file)
            var times = [timespec(tv_sec: 2_000_000_000, tv_nsec: 0), timespec(tv_sec: 2_000_000_000, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, file, &times, 0) == 0)
            #expect(try server.status(user: "alice", password: "alice-pw") == 400, "\(server.log)")
            #expect(try server.status(user: "alice", password: "alice-pw") == 200, "the last good copy")
            try TestSupport.writeBytes(try bcryptLine("bob", "bob-pw"), to: file)
            times = [timespec(tv_sec: 2_000_000_100, tv_nsec: 0), timespec(tv_sec: 2_000_000_100, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, file, &times, 0) == 0)
            #expect(try server.status(user: "bob", password: "bob-pw") == 200)
            #expect(try server.status(user: "alice", password: "alice-pw") == 401)
        }
    }
}

/// Runs the `htpass` binary under test with a password on standard input.
func htpass(_ arguments: [String], stdin: [UInt8] = [], environment: [String: String?] = [:]) throws
    -> TestSupport.Output
{
    try htpassBytes(arguments.map { Array($0.utf8) }, stdin: stdin, environment: environment)
}

/// Runs `htpass` with arguments as raw bytes (user names that are not UTF-8, control bytes).
func htpassBytes(_ arguments: [[UInt8]], stdin: [UInt8] = [], environment: [String: String?] = [:]) throws
    -> TestSupport.Output
{
    let binary = TestSupport.htpassBinary
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        throw Corpus.CorpusError(description: "no htpass binary at \(binary): run 'swift build', or set HTPASS_BIN")
    }
    return try TestSupport.spawn(binary, arguments, stdin: stdin, environment: environment)
}

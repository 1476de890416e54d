import Foundation
import HtpasswdCore
import HtpasswdVerifier
import Synchronization
import SystemPackage
import TestSupport
import Testing

/// The README's promise: an answer takes the same time whatever it is, an unknown user included. Two
/// measurable parts: the hashes an answer computes (one, of the same format and cost, for every outcome), and
/// the comparison of the result (no early exit at the first differing byte).
@Suite("Timing: the same work whatever the answer")
struct TimingTests {
    /// Hashes `$2y$04$` (cost 4, quick) of `alice-pw` and `bob-pw`, by Apache's htpasswd.
    static let alice = "$2y$04$5TDh9suJeb0zbcnNglkte.35.k7GtwhhPy7TiQsn1HtsA9r8b22Xu"
    static let bob = "$2y$04$jPyKRuKBTqqSI0i5rpt23.pULfzGjP1050vAXTROcOX1ARyiaAbiu"
    static let cost4: HashFormat = .bcrypt(variant: "y", cost: 4)

    /// The formats of the hashes computed while `body` runs, in its task only.
    static func hashesComputed(_ body: () throws -> Void) rethrows -> [HashFormat] {
        let seen = Mutex<[HashFormat]>([])
        try PasswordHash.$recomputeObserver.withValue({ format in seen.withLock { $0.append(format) } }) {
            try body()
        }
        return seen.withLock { $0 }
    }

    struct Outcome: Sendable, CustomTestStringConvertible {
        var name: String
        var target: Target
        var lines: [String]
        var user: String
        var password: String
        var expected: Authenticator.Decision
        var testDescription: String { name }
    }

    static let outcomes: [Outcome] = [
        Outcome(
            name: "granted", target: .nginx, lines: ["alice:\(alice)", "bob:\(bob)"], user: "alice",
            password: "alice-pw", expected: .granted),
        Outcome(
            name: "wrong password", target: .nginx, lines: ["alice:\(alice)", "bob:\(bob)"], user: "alice",
            password: "alice-pX", expected: .wrongPassword),
        Outcome(
            name: "unknown user", target: .nginx, lines: ["alice:\(alice)", "bob:\(bob)"], user: "mallory",
            password: "alice-pw", expected: .unknownUser),
        Outcome(
            name: "unverifiable entry (a failure token)", target: .nginx,
            lines: ["alice:\(alice)", "bob:\(bob)", "carol:*0"], user: "carol", password: "*0",
            expected: .unverifiable(line: 3, format: .failureToken)),
        Outcome(
            name: "unverifiable entry (a {SHA} that is not base64)", target: .nginx,
            lines: ["alice:\(alice)", "bob:\(bob)", "dave:{SHA}not-base64!"], user: "dave", password: "x",
            expected: .unverifiable(line: 3, format: .sha1)),
        Outcome(
            name: "an entry the target cannot verify (Apache, bcrypt cost 18)", target: .apache,
            lines: [
                "alice:\(alice)", "bob:\(bob)", "erin:$2y$18$abcdefghijklmnopqrstuuV/hn0D8p4Wh02RfAiWYKNrDXYlf8iTK",
            ],
            user: "erin", password: "x",
            expected: .notVerifiable(line: 3, .bcryptCost(18, limit: 17))),
        Outcome(
            name: "refused file (Traefik, a line without ':')", target: .traefik,
            lines: ["alice:\(alice)", "bob:\(bob)", "junk"], user: "alice", password: "alice-pw",
            expected: .fileRefused(line: 3, .lineWithoutColon)),
    ]

    @Test("Every outcome computes exactly one hash, of the file's prevailing format and cost", arguments: outcomes)
    func oneHashPerOutcome(outcome: Outcome) throws {
        let directory = try TestSupport.temporaryDirectory("htpass-timing")
        let path = directory + "/htpasswd"
        try TestSupport.writeBytes(Array(outcome.lines.map { $0 + "\n" }.joined().utf8), to: path)
        let authenticator = Authenticator(path: path, target: outcome.target)
        var decision: Authenticator.Decision?
        let hashes = try Self.hashesComputed {
            decision = try authenticator.authenticate(user: outcome.user, password: outcome.password)
        }
        #expect(decision == outcome.expected)
        #expect(hashes == [Self.cost4], "\(outcome.name): the hashes computed")
    }

    @Test(
        "On HashingThreads (a LiveAuthenticator and a HashingQueue), every outcome computes exactly one hash, there",
        arguments: outcomes)
    func oneHashPerOutcomeOnHashingThreads(outcome: Outcome) async throws {
        let directory = try TestSupport.temporaryDirectory("htpass-timing")
        let path = directory + "/htpasswd"
        try TestSupport.writeBytes(Array(outcome.lines.map { $0 + "\n" }.joined().utf8), to: path)
        let live = LiveAuthenticator(path: FilePath(path), target: outcome.target)
        let threads = HashingThreads(count: 1)
        defer { threads.shutdown() }
        let queue = HashingQueue(executor: threads, concurrencyLimit: 1, queueLimit: 4)
        // The observer is task-local: it must follow the task onto the hashing thread.
        let seen = Mutex<[(HashFormat, Bool)]>([])
        let decision = try await PasswordHash.$recomputeObserver.withValue({ format in
            seen.withLock { $0.append((format, threads.isCurrentThread)) }
        }) {
            try await live.authenticate(user: outcome.user, password: outcome.password, on: queue)
        }
        #expect(decision == outcome.expected)
        let hashes = seen.withLock { $0 }
        #expect(hashes.map(\.0) == [Self.cost4], "\(outcome.name): the hashes computed")
        let onHashingThreads = hashes.allSatisfy { $0.1 }
        #expect(onHashingThreads, "\(outcome.name): computed on a hashing thread")
    }

    /// valgrind's callgrind, counting the instructions executed inside `ConstantTime.equal` (and what it
    /// calls) while Tests/ConstantTimeProbe compares two arrays `rounds` times.
    static func instructions(mode: String, length: Int = 64, rounds: Int = 50) throws -> Int {
        guard let probe = TestSupport.productNextToTests("ConstantTimeProbe") else {
            throw ProbeFailure(description: "ConstantTimeProbe is not built next to the tests")
        }
        let directory = try TestSupport.temporaryDirectory("htpass-callgrind")
        let out = directory + "/callgrind.out"
        // valgrind 3.19 (Debian 12) cannot read the DWARF 5 the Swift compiler writes: a copy without it, whose
        // symbol table still names the function.
        let stripped = directory + "/ConstantTimeProbe"
        let copy = try TestSupport.run("objcopy", ["--strip-debug", probe, stripped])
        guard copy.status == 0 else { throw ProbeFailure(description: "objcopy: \(copy.stderrText)") }
        let result = try TestSupport.run(
            "valgrind",
            [
                "--tool=callgrind", "--callgrind-out-file=\(out)", "--collect-atstart=no", "--demangle=no",
                "--toggle-collect=*12ConstantTimeO5equal*", stripped, mode, String(length), String(rounds),
            ])
        guard result.status == 0 else {
            throw ProbeFailure(description: "valgrind exit \(result.status): \(result.stderrText)")
        }
        let text = String(decoding: try TestSupport.readBytes(out), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("totals:") || line.hasPrefix("summary:") {
            if let count = line.split(separator: " ").last.flatMap({ Int($0) }) { return count }
        }
        throw ProbeFailure(description: "no instruction total in callgrind's output")
    }

    struct ProbeFailure: Error, CustomStringConvertible {
        var description: String
    }

    @Test("ConstantTime.equal executes the same instructions wherever the inputs differ (valgrind)")
    func comparisonIsDataIndependent() throws {
        let equal = try Self.instructions(mode: "equal")
        // Something was counted: the toggle found the function (a renamed function would count nothing).
        #expect(equal > 50 * 64)
        for mode in ["first", "last", "all"] {
            #expect(try Self.instructions(mode: mode) == equal, "differing at '\(mode)' vs equal")
        }
    }
}

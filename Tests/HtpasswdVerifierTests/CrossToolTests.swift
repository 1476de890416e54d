import Foundation
import HtpasswdCore
import HtpasswdVerifier
import TestSupport
import Testing

/// Oracles: the real programs users run. Our hashes must pass Apache's `htpasswd -v`, re-hash identically with
/// `openssl passwd`, and verify with python passlib; their hashes must verify with our `Verifier`.
@Suite("Verifier: cross-tool oracles (htpasswd, openssl, mkpasswd, passlib)")
struct CrossToolTests {
    /// Passwords every tool can take on its command line: spaces, `:`, UTF-8.
    static let passwords = ["myPassword", "p:ss wörd 🔑", "  spaced out  ", "x"]
    /// For DES: at most 8 bytes.
    static let shortPasswords = ["secret12", "pa:s wö", "x"]

    static func passwords(for algorithm: Algorithm) -> [String] {
        algorithm == .des ? shortPasswords : passwords
    }

    static func hasher(_ algorithm: Algorithm) throws -> PasswordHasher {
        try PasswordHasher(algorithm: algorithm, cost: algorithm == .bcrypt ? 4 : nil)
    }

    // MARK: Our hashes, checked by others

    @Test(
        "Apache's htpasswd -v accepts every hash we make, and rejects a wrong password", arguments: Algorithm.allCases)
    func htpasswdAcceptsOurs(algorithm: Algorithm) throws {
        let directory = try TestSupport.temporaryDirectory("hashing-htpasswd")
        let file = directory + "/htpasswd"
        var hashers = [try Self.hasher(algorithm)]
        if algorithm == .bcrypt { hashers.append(try PasswordHasher()) }  // the default, cost 10
        if algorithm == .sha512 { hashers.append(try PasswordHasher(algorithm: .sha512, rounds: 6000)) }
        for hasher in hashers {
            for password in Self.passwords(for: algorithm) {
                let hash = try hasher.hash(Array(password.utf8)).description
                try TestSupport.writeBytes(Array("alice:\(hash)\n".utf8), to: file)
                let right = try tool("htpasswd", ["-vb", file, "alice", password])
                #expect(right.status == 0, "htpasswd -v rejected \(hash) for \(password): \(right.stderrText)")
                let wrong = try tool("htpasswd", ["-vb", file, "alice", password.dropLast() + "?"])
                #expect(wrong.status == 3, "htpasswd -v accepted \(hash) for a wrong password: \(wrong.stderrText)")
            }
        }
    }

    @Test(
        "openssl passwd re-hashes apr1, sha256 and sha512 to the same string",
        arguments: [
            (Algorithm.apr1, nil, "-apr1"), (.sha256, nil, "-5"), (.sha512, nil, "-6"), (.sha256, 12345, "-5"),
            (.sha512, 1000, "-6"),
        ] as [(Algorithm, Int?, String)])
    func opensslRehashes(algorithm: Algorithm, rounds: Int?, flag: String) throws {
        let hasher = try PasswordHasher(algorithm: algorithm, rounds: rounds)
        for password in Self.passwords {
            let hash = try hasher.hash(Array(password.utf8)).description
            // `$6$rounds=N$salt$digest` -> `rounds=N$salt`; `$apr1$salt$digest` -> `salt`.
            var fields = hash.split(separator: "$", omittingEmptySubsequences: false).dropFirst(2).dropLast()
            let salt = fields.joined(separator: "$")
            fields.removeAll()
            let output = try tool("openssl", ["passwd", flag, "-salt", salt, password])
            #expect(output.status == 0, "\(output.stderrText)")
            #expect(output.stdoutText == hash + "\n", "openssl passwd \(flag) -salt \(salt)")
        }
    }

    @Test("python passlib verifies every hash we make, and rejects a wrong password")
    func passlibAcceptsOurs() throws {
        let schemes: [Algorithm: String] = [
            .bcrypt: "bcrypt", .sha512: "sha512_crypt", .sha256: "sha256_crypt", .apr1: "apr_md5_crypt",
            .sha1: "ldap_sha1", .des: "des_crypt",
        ]
        var cases: [(scheme: String, password: [UInt8], hash: String, expected: Bool)] = []
        for (algorithm, scheme) in schemes.sorted(by: { $0.value < $1.value }) {
            let hasher = try Self.hasher(algorithm)
            for password in Self.passwords(for: algorithm) {
                let hash = try hasher.hash(Array(password.utf8)).description
                cases.append((scheme, Array(password.utf8), hash, true))
                cases.append((scheme, Array((password.dropLast() + "?").utf8), hash, false))
            }
        }
        let results = try Passlib.verify(cases.map { ($0.scheme, $0.password, $0.hash) })
        #expect(results.count == cases.count)
        for (item, result) in zip(cases, results) {
            #expect(result == item.expected, "passlib \(item.scheme) on \(item.hash): \(result), not \(item.expected)")
        }
    }

    // MARK: Their hashes, checked by us

    @Test(
        "Hashes made by htpasswd, openssl and mkpasswd verify, and wrong passwords do not",
        arguments: [
            ["htpasswd", "-nbB", "-C", "4", "alice"], ["htpasswd", "-nbB", "alice"], ["htpasswd", "-nbm", "alice"],
            ["htpasswd", "-nbs", "alice"], ["htpasswd", "-nbd", "alice"], ["htpasswd", "-nb", "-2", "alice"],
            ["htpasswd", "-nb", "-5", "alice"], ["htpasswd", "-nb", "-5", "-r", "7000", "alice"],
            ["openssl", "passwd", "-1"], ["openssl", "passwd", "-5"], ["openssl", "passwd", "-6"],
            ["openssl", "passwd", "-apr1"],
            ["mkpasswd", "-m", "bcrypt", "-R", "4"], ["mkpasswd", "-m", "bcrypt-a", "-R", "4"],
            ["mkpasswd", "-m", "sha-512"], ["mkpasswd", "-m", "sha-256"], ["mkpasswd", "-m", "yescrypt"],
            ["mkpasswd", "-m", "md5crypt"], ["mkpasswd", "-m", "descrypt"], ["mkpasswd", "-m", "scrypt"],
            ["mkpasswd", "-m", "gost-yescrypt"], ["mkpasswd", "-m", "bsdicrypt"],
        ])
    func theirsVerify(command: [String]) throws {
        let des = command.contains("-nbd") || command.contains("descrypt")
        for password in des ? Self.shortPasswords : Self.passwords {
            let output = try tool(command[0], Array(command.dropFirst()) + [password])
            #expect(output.status == 0, "\(command.joined(separator: " ")): \(output.stderrText)")
            var hash = output.stdoutText.trimmingCharacters(in: .newlines)
            if command[0] == "htpasswd" { hash = String(hash.dropFirst("alice:".count)) }
            #expect(!hash.isEmpty && !hash.hasPrefix("*"))
            let format = HashFormat(Array(hash.utf8))
            #expect(format.isVerifiable, "\(hash)")
            #expect(Verifier().verify(Array(password.utf8), against: Array(hash.utf8)) == .match, "\(hash)")
            let wrong = Array((password.dropLast() + "?").utf8)
            #expect(Verifier().verify(wrong, against: Array(hash.utf8)) == .mismatch, "\(hash)")
        }
    }

    // MARK: Committed fixtures

    @Test(
        "Tool-made fixtures in Tests/Fixtures/hashes verify, and password + \"x\" does not",
        arguments: [
            "htpasswd.txt", "openssl.txt", "mkpasswd.txt", "ssha.txt",
        ])
    func fixtures(name: String) throws {
        let entries = try HashFixtures.load(name)
        #expect(entries.count >= 10)
        var formats = Set<String>()
        for entry in entries {
            let hash = Array(entry.hash.utf8)
            formats.insert(HashFormat(hash).name)
            #expect(Verifier().verify(Array(entry.password.utf8), against: hash) == .match, "\(entry.command)")
            let wrong =
                entry.hash.count == 13 && entry.password.utf8.count >= 8  // DES ignores bytes past 8
                ? Array(("?" + entry.password.dropFirst()).utf8) : Array((entry.password + "x").utf8)
            #expect(Verifier().verify(wrong, against: hash) == .mismatch, "\(entry.command)")
        }
        let expected: [String: Set<String>] = [
            "htpasswd.txt": ["bcrypt", "apr1", "sha1", "sha256", "sha512", "des"],
            "openssl.txt": ["md5crypt", "apr1", "sha256", "sha512"],
            "mkpasswd.txt": ["bcrypt", "sha512", "sha256", "yescrypt", "gost-yescrypt", "scrypt", "md5crypt", "des"],
            "ssha.txt": ["ssha", "plain"],
        ]
        #expect(formats == expected[name])
    }
}

/// Runs a real program, found on PATH, with text arguments (TestSupport.spawn: files for output, no tty).
@discardableResult
func tool(_ program: String, _ arguments: [String], stdin: [UInt8] = []) throws -> TestSupport.Output {
    try TestSupport.spawn(program, arguments.map { Array($0.utf8) }, stdin: stdin)
}

/// The `password<TAB>hash` entries of a fixture file, each with the command above it.
enum HashFixtures {
    struct Entry {
        var command: String
        var password: String
        var hash: String
    }

    static func load(_ name: String) throws -> [Entry] {
        let text = String(decoding: try TestSupport.readBytes(TestSupport.fixtures + "/hashes/" + name), as: UTF8.self)
        var command = ""
        var entries: [Entry] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# $ ") {
                command = String(line.dropFirst(4))
            } else if !line.hasPrefix("#"), let tab = line.firstIndex(of: "\t") {
                entries.append(
                    Entry(
                        command: command, password: String(line[..<tab]), hash: String(line[line.index(after: tab)...]))
                )
            }
        }
        return entries
    }
}

/// python passlib, run once for a batch of checks.
enum Passlib {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// `passlib.hash.<scheme>.verify(password, hash)` for each case, in one process of the tests' own python
    /// (``TestSupport/python``: pinned passlib and bcrypt, whatever the system's python3 has).
    static func verify(_ cases: [(scheme: String, password: [UInt8], hash: String)]) throws -> [Bool] {
        let script = """
            import sys, warnings
            warnings.simplefilter("ignore")
            import passlib.hash
            for line in sys.stdin.read().splitlines():
                scheme, password, stored = line.split("\\t")
                print(int(getattr(passlib.hash, scheme).verify(bytes.fromhex(password), stored)))
            """
        let input = cases.map {
            "\($0.scheme)\t\($0.password.map { String(format: "%02x", $0) }.joined())\t\($0.hash)\n"
        }
        let output = try tool(try TestSupport.python, ["-c", script], stdin: Array(input.joined().utf8))
        guard output.status == 0 else {
            throw Failed(description: "passlib failed in \(try TestSupport.python): \(output.stderrText)")
        }
        return output.stdoutText.split(separator: "\n").map { $0 == "1" }
    }
}

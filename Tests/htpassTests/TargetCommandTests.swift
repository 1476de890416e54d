import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `--target`, `verify --as` and `check`: the servers' rules at the command line. That the rules are the
/// real servers' is shown by Tests/ConsumerTests, against the servers themselves.
@Suite("Targets at the command line")
struct TargetCommandTests {
    @Test(
        "hash --target refuses what a target cannot verify, with status 5 and the reason",
        arguments: [
            (["--target", "traefik", "-a", "sha512"], "Traefik cannot verify sha512"),
            (["--target", "apache", "--cost", "18"], "cost 18 (at most 17)"),
            (["--target", "nginx-alpine", "-a", "yescrypt"], "yescrypt"),
            (["--target", "envoy", "-a", "bcrypt"], "Envoy cannot verify bcrypt"),
            (["--target", "registry", "-a", "apr1"], "registry cannot verify apr1"),
            (["--target", "nginx-alpine", "-a", "sha512", "--rounds", "10000000"], "rounds"),
        ])
    func refusals(options: [String], reason: String) throws {
        let output = try htpass(["hash", "--password-env", "PW", "u"] + options, environment: ["PW": "pw"])
        try expectFailure(output, 5)
        #expect(output.stderrText.contains(reason), "\(output.stderrText)")
    }

    @Test(
        "Without -a, the format is the strongest every target verifies",
        arguments: [
            ("traefik", "$2y$"), ("envoy", "{SHA}"), ("registry", "$2y$"), ("nginx-alpine,apache", "$2y$"),
            ("traefik,envoy", "{SHA}"), ("ingress-nginx", "$2y$"),
        ])
    func defaults(targets: String, prefix: String) throws {
        let cost = prefix == "$2y$" ? fast : []
        let output = try htpass(
            ["hash", "--password-env", "PW", "--target", targets] + cost, environment: ["PW": "pw"])
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(output.stdoutText.hasPrefix(prefix), "\(output.stdoutText)")
    }

    @Test("No format suits every target: status 5")
    func noCommonFormat() throws {
        try expectFailure(try htpass(["hash", "--stdin", "--target", "registry,envoy"], stdin: "pw"), 5)
    }

    @Test("HTPASS_TARGET sets the default target; an unknown name there is a usage error")
    func environment() throws {
        let refused = try htpass(
            ["hash", "--stdin", "-a", "sha512"], stdin: "pw", environment: ["HTPASS_TARGET": "traefik"])
        try expectFailure(refused, 5)
        let given = try htpass(
            ["hash", "--stdin", "-a", "sha512", "--target", "nginx"], stdin: "pw",
            environment: ["HTPASS_TARGET": "traefik"])
        #expect(given.status == 0, "--target wins over HTPASS_TARGET: \(given.stderrText)")
        try expectFailure(try htpass(["hash", "--stdin"], stdin: "pw", environment: ["HTPASS_TARGET": "iis"]), 2)
        try expectFailure(try htpass(["hash", "--stdin", "--target", "iis"], stdin: "pw"), 2)
    }

    @Test("add --target refuses a password a target cannot take (musl's SHA-crypt: 256 bytes)")
    func passwordTooLongForTarget() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("htpasswd", "")
        let long = String(repeating: "p", count: 257)
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(
            ["add", file, "u", "--stdin", "-a", "sha512", "--target", "nginx-alpine"], stdin: long)
        try expectFailure(output, 5, unchanged: snapshot)
        expectSuccess(try htpass(["add", file, "u", "--stdin", "-a", "sha512", "--target", "nginx"], stdin: long))
    }

    // MARK: Names

    /// Every alias a target answers to, and the target's name in messages.
    static let aliases = [
        ("alpine", "nginx on Alpine"), ("ingress-nginx", "nginx on Alpine"), ("httpd", "Apache httpd"),
        ("apache2", "Apache httpd"), ("docker-registry", "the Docker registry"),
        ("distribution", "the Docker registry"),
        ("envoy-gateway", "Envoy"),
    ]

    @Test(
        "Each alias names its target, in --target's help, in Docs/targets.md and on the command line",
        arguments: aliases)
    func alias(alias: String, server: String) throws {
        let sandbox = try Sandbox()
        // Envoy reads {SHA} only (of "pw"), and refuses the whole file over any other hash.
        let hash = server == "Envoy" ? "{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=" : String(try Self.bcrypt())
        let path = try sandbox.write("htpasswd", "alice:\(hash)\n")
        let output = try htpass(["verify", "--as", alias, path, "alice", "--stdin"], stdin: "wrong")
        #expect(output.status == 1 && output.stderrText.contains("for \(server)"), "\(output.stderrText)")
        let help = try htpass(["check", "--help"], environment: ["COLUMNS": "1000"])
        #expect(help.stdoutText.contains(alias), "check --help")
        let document = try String(contentsOfFile: TestSupport.packageRoot + "/Docs/targets.md", encoding: .utf8)
        #expect(document.contains("`\(alias)`"), "Docs/targets.md")
    }

    @Test("A new file's warning names the workers of the targets, not nginx's and Apache's always")
    func newFileWarning() throws {
        try #require(geteuid() == 0, "a new file is root's only when htpass runs as root (CI runs as root)")
        let sandbox = try Sandbox()
        // Traefik's and the registry's images run as root: a file only root reads is fine for them.
        let traefik = try htpass(["create", "--target", "traefik", sandbox.path("t1")])
        #expect(traefik.status == 0 && traefik.stderr.isEmpty, "\(traefik.stderrText)")
        let alpine = try htpass(["create", "--target", "nginx-alpine", sandbox.path("t2")])
        #expect(alpine.stderrText.contains("nginx on Alpine") && alpine.stderrText.contains("chgrp 101"))
        #expect(!alpine.stderrText.contains("Apache"), "\(alpine.stderrText)")
        let nginx = try htpass(["create", sandbox.path("t3")])
        #expect(nginx.stderrText.contains("www-data") && !nginx.stderrText.contains("Apache"), "\(nginx.stderrText)")
        let both = try htpass(["create", "--target", "apache,traefik", sandbox.path("t4")])
        #expect(both.stderrText.contains("Apache httpd (www-data, daemon)") && !both.stderrText.contains("Traefik"))
    }

    // MARK: verify --as

    /// A bcrypt hash of "a-pw", made by htpass.
    static func bcrypt() throws -> Substring { try entry("alice", "a-pw").split(separator: ":", maxSplits: 1)[1] }

    @Test(
        "verify --as reads the file as that server does",
        arguments: [
            // Traefik and the registry use a user's last line; nginx and Apache the first.
            ("alice:BCRYPT\nalice:*0\n", "nginx", 0), ("alice:BCRYPT\nalice:*0\n", "apache", 0),
            ("alice:BCRYPT\nalice:*0\n", "traefik", 6), ("alice:BCRYPT\nalice:*0\n", "registry", 6),
            // Apache and Traefik trim spaces; nginx keeps them.
            ("  alice:BCRYPT\n", "nginx", 3), ("  alice:BCRYPT\n", "apache", 0), ("  alice:BCRYPT\n", "traefik", 0),
            // A line without ':': skipped by nginx, the whole file refused by Traefik and the registry.
            ("junk\nalice:BCRYPT\n", "nginx", 0), ("junk\nalice:BCRYPT\n", "traefik", 4),
            ("junk\nalice:BCRYPT\n", "registry", 4),
            // user:hash:extra: fine for nginx, part of the hash for lighttpd, the file refused by Traefik.
            ("alice:BCRYPT:Alice A\n", "nginx", 0), ("alice:BCRYPT:Alice A\n", "lighttpd", 6),
            ("alice:BCRYPT:Alice A\n", "traefik", 4), ("alice:BCRYPT:Alice A\n", "registry", 0),
            // Formats.
            ("alice:BCRYPT\n", "envoy", 4), ("alice:{SSHA}abcdefghijklmnopqrstuvwxyz12\n", "apache", 6),
        ])
    func verifyAs(file: String, target: String, expected: Int32) throws {
        let sandbox = try Sandbox()
        let path = try sandbox.write("htpasswd", file.replacingOccurrences(of: "BCRYPT", with: String(Self.bcrypt())))
        let output = try htpass(["verify", "--as", target, path, "alice", "--stdin"], stdin: "a-pw")
        #expect(output.status == expected, "\(target) on \(file.debugDescription): \(output.stderrText)")
        #expect(output.stdout.isEmpty)
        if expected != 0 { #expect(lines(output.stderrText).count == 1, "\(output.stderrText)") }
    }

    @Test("verify --as takes one server")
    func verifyAsOne() throws {
        let sandbox = try Sandbox()
        let path = try sandbox.write("htpasswd", "alice:\(Self.bcrypt())\n")
        try expectFailure(try htpass(["verify", "--as", "nginx,apache", path, "alice", "--stdin"], stdin: "a-pw"), 2)
    }

    @Test("list --target envoy flags a {SHA} hash of the wrong length, which Envoy would refuse the file over")
    func listEnvoyShape() throws {
        let sandbox = try Sandbox()
        let path = try sandbox.write("htpasswd", "a:{SHA}AsWT/Zr4JUuFnUJqdrbNQoR/vsE=\nb:{SHA}abc\n")
        let long = try htpass(["list", "--long", "--target", "envoy", path])
        #expect(long.status == 0, "\(long.stderrText)")
        let rows = lines(long.stdoutText)
        #expect(rows.count == 3, "\(rows)")
        #expect(rows.count == 3 && !rows[1].contains("envoy-cannot-verify"), "\(rows)")
        #expect(rows.count == 3 && rows[2].hasSuffix("weak,envoy-cannot-verify"), "\(rows)")
        let json = try htpass(["list", "--json", "--target", "envoy", path])
        #expect(
            json.stdoutText.contains(#"{"line":2,"user":"b","format":"sha1","flags":["weak","envoy-cannot-verify"]}"#))
        #expect(json.stdoutText.contains(#"{"line":1,"user":"a","format":"sha1","flags":["weak"]}"#))
    }

    // MARK: check

    @Test("check prints FILE:LINE: severity: message [id], exits 1 on errors, 0 on warnings only")
    func checkText() throws {
        let sandbox = try Sandbox()
        chmod(sandbox.directory, 0o755)
        let path = try sandbox.write(
            "htpasswd", "alice:\(Self.bcrypt())\nbob:$y$j9T$abc$def\ncarol:$apr1$x$y\n", mode: 0o644)
        let output = try htpass(["check", path, "--target", "nginx-alpine"])
        #expect(output.status == 1, "\(output.stderrText)")
        let found = lines(output.stdoutText)
        #expect(
            found.contains { $0.hasPrefix("\(path):2: error: ") && $0.hasSuffix("[format-not-verified]") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("\(path):3: warning: ") && $0.hasSuffix("[weak-format]") }, "\(found)")
        #expect(found.allSatisfy { $0.hasPrefix(path + ":") }, "\(found)")
        // Without the yescrypt entry, only warnings remain: status 0, and 1 with --strict.
        let clean = try sandbox.write("clean", "alice:\(Self.bcrypt())\ncarol:$apr1$x$y\n", mode: 0o644)
        #expect(try htpass(["check", clean, "--target", "nginx-alpine"]).status == 0)
        #expect(try htpass(["check", clean, "--target", "nginx-alpine", "--strict"]).status == 1)
    }

    @Test("check --json prints the contract's object")
    func checkJSON() throws {
        let sandbox = try Sandbox()
        chmod(sandbox.directory, 0o755)
        let path = try sandbox.write("htpasswd", "alice:\(Self.bcrypt())\nalice:*0\njunk", mode: 0o644)
        let output = try htpass(["check", "--json", path, "--target", "traefik,nginx"])
        #expect(output.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout)) as? [String: Any])
        #expect(object["file"] as? String == path)
        let findings = try #require(object["findings"] as? [[String: Any]])
        for finding in findings {
            #expect(Set(finding.keys) == ["line", "user", "severity", "id", "target", "message"], "\(finding)")
        }
        let ids = findings.compactMap { $0["id"] as? String }
        #expect(ids.contains("duplicate-user") && ids.contains("failure-token") && ids.contains("file-refused"))
        #expect(ids.contains("missing-final-newline"))
        let refusal = try #require(findings.first { $0["id"] as? String == "file-refused" })
        #expect(refusal["target"] as? String == "traefik" && refusal["line"] as? Int == 3 && refusal["user"] is NSNull)
    }

    @Test("check reports a missing file and a directory as findings, not as a failure to run")
    func checkPath() throws {
        let sandbox = try Sandbox()
        let missing = try htpass(["check", sandbox.path("absent")])
        #expect(missing.status == 1 && missing.stdoutText.contains("[not-found]"), "\(missing.stdoutText)")
        try FileManager.default.createDirectory(atPath: sandbox.path("dir"), withIntermediateDirectories: false)
        let directory = try htpass(["check", sandbox.path("dir")])
        #expect(directory.status == 1 && directory.stdoutText.contains("[is-directory]"), "\(directory.stdoutText)")
    }

    @Test("check: a file nginx's workers cannot read, through its mode or a parent directory")
    func checkReadable() throws {
        let sandbox = try Sandbox()
        let path = try sandbox.write("htpasswd", "alice:\(Self.bcrypt())\n", mode: 0o600)
        chmod(sandbox.directory, 0o755)
        let output = try htpass(["check", path, "--target", "nginx"])
        #expect(output.status == 1 && output.stdoutText.contains("[not-readable-by-worker]"), "\(output.stdoutText)")
        chmod(path, 0o644)
        #expect(!(try htpass(["check", path, "--target", "nginx"]).stdoutText.contains("not-readable")))
        chmod(sandbox.directory, 0o700)
        #expect(try htpass(["check", path, "--target", "nginx"]).stdoutText.contains("[not-readable-by-worker]"))
    }

    // MARK: list

    @Test("list escapes control bytes for a terminal and keeps raw bytes for a pipe")
    func listEscapes() throws {
        let sandbox = try Sandbox()
        let name: [UInt8] = Array("ev".utf8) + [0x1B] + Array("[2Jil".utf8)
        let path = try sandbox.write("htpasswd", bytes: name + Array(":$apr1$x$y\n".utf8))
        let piped = try htpass(["list", path])
        #expect(piped.stdout == name + [0x0A])
        let terminal = try Terminal.run(TestSupport.htpassBinary, ["list", path], answers: [])
        #expect(terminal.status == 0)
        #expect(terminal.transcriptText.contains("ev\\x1B[2Jil"), "\(terminal.transcriptText.debugDescription)")
        #expect(!terminal.transcript.contains(0x1B))
    }
}

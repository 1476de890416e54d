import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `htpass check` against `verify --as` and `export`: the same rules from the same profiles, and the advice
/// the command adds to the library's findings.
@Suite("htpass check: agreement and advice")
struct CheckTests {
    /// `{SHA}` of "pw".
    static let sha1 = "{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM="

    /// The findings of `check --json` as (id, target, message).
    static func findings(_ output: TestSupport.Output) throws -> [(id: String, target: String?, message: String)] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout)) as? [String: Any])
        let list = try #require(object["findings"] as? [[String: Any]])
        return list.map { ($0["id"] as? String ?? "", $0["target"] as? String, $0["message"] as? String ?? "") }
    }

    @Test(
        "Envoy: check, verify --as and export agree on every file it refuses whole, and on one it loads",
        arguments: [
            ("a:SHA1\nb:{SHA}abc\n", true), ("a:SHA1\nb:*0\n", true), ("a:SHA1\nb:secret\n", true),
            ("a:SHA1\r\n", true), ("a:SHA1:Alice\n", true), ("a:SHA1\na:SHA1\n", true), ("a:SHA1\nb:\n", true),
            ("a:SHA1\njunk\n", true), ("a:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\n", true),
            ("a:SHA1\nb:SHA1\n", false),
        ])
    func envoyAgreement(file: String, refused: Bool) throws {
        let sandbox = try Sandbox()
        chmod(sandbox.directory, 0o755)
        let path = try sandbox.write("htpasswd", file.replacingOccurrences(of: "SHA1", with: Self.sha1), mode: 0o644)
        let check = try htpass(["check", "--json", path, "--target", "envoy"])
        let refusals = try Self.findings(check).filter { $0.id == "file-refused" && $0.target == "envoy" }
        let verify = try htpass(["verify", "--as", "envoy", path, "a", "--stdin"], stdin: "pw")
        let export = try htpass(["export", path, "--format", "k8s-secret", "--for", "envoy-gateway"])
        if refused {
            #expect(check.status == 1 && !refusals.isEmpty, "check: \(check.stdoutText)")
            #expect(verify.status == 4, "verify --as envoy: \(verify.stderrText)")
            try expectFailure(export, 5)
        } else {
            #expect(check.status == 0 && refusals.isEmpty, "check: \(check.stdoutText)")
            #expect(verify.status == 0, "verify --as envoy: \(verify.stderrText)")
            #expect(export.status == 0, "export: \(export.stderrText)")
        }
    }

    @Test("The advice for a weak hash depends on the targets: bcrypt for nginx, none stronger for Envoy")
    func weakFormatAdvice() throws {
        let sandbox = try Sandbox()
        let path = try sandbox.write("htpasswd", "a:\(Self.sha1)\n")
        let nginx = try Self.findings(try htpass(["check", "--json", path]))
        let weakForNginx = try #require(nginx.first { $0.id == "weak-format" }).message
        #expect(weakForNginx.contains("'htpass add' (bcrypt)"), "\(weakForNginx)")
        let envoy = try Self.findings(try htpass(["check", "--json", path, "--target", "envoy"]))
        let weakForEnvoy = try #require(envoy.first { $0.id == "weak-format" }).message
        #expect(!weakForEnvoy.contains("bcrypt") && weakForEnvoy.contains("Envoy verifies no stronger format"))
        let traefik = try Self.findings(try htpass(["check", "--json", path, "--target", "traefik,nginx-alpine"]))
        let weakForBoth = try #require(traefik.first { $0.id == "weak-format" }).message
        #expect(weakForBoth.contains("'htpass add --target traefik,nginx-alpine' (bcrypt)"), "\(weakForBoth)")
    }

    @Test(
        "A file one of the target's usual accounts can read is no finding; none of them: an error naming them all",
        arguments: [
            // Debian's www-data is gid 33; the official and Alpine images' nginx gid 101.
            (33, "nginx", false), (101, "nginx", false), (101, "nginx-alpine", false), (33, "nginx-alpine", true),
            (0, "nginx", true), (0, "traefik", false),
        ])
    func readableByWorker(group: gid_t, target: String, error: Bool) throws {
        try #require(geteuid() == 0, "giving a file to gid 33 or 101 needs root (CI runs as root)")
        let sandbox = try Sandbox()
        chmod(sandbox.directory, 0o755)
        let path = try sandbox.write("h", "", mode: 0o640)
        #expect(chown(path, 0, group) == 0)
        let output = try htpass(["check", "--strict", path, "--target", target])
        if error {
            #expect(output.status == 1)
            let line = try #require(lines(output.stdoutText).first { $0.hasSuffix("[not-readable-by-worker]") })
            #expect(line.contains(": error: "), "\(line)")
            let accounts = target == "nginx" ? ["www-data", "nginx"] : ["nginx", "www-data (ingress-nginx)"]
            for account in accounts { #expect(line.contains(account), "\(line)") }
        } else {
            #expect(output.status == 0, "\(output.stdoutText)")
            #expect(output.stdout.isEmpty, "\(output.stdoutText)")
        }
        // The parent directory counts too.
        chmod(sandbox.directory, 0o700)
        if target != "traefik" {
            #expect(try htpass(["check", path, "--target", target]).stdoutText.contains("[not-readable-by-worker]"))
        }
    }

    @Test("check of something that exists but is not a regular file: not-regular-file, status 1, no 'create'")
    func notRegularFile() throws {
        let output = try htpass(["check", "/dev/null"])
        #expect(output.status == 1)
        let line = try #require(lines(output.stdoutText).first)
        #expect(line.hasSuffix("[not-regular-file]") && line.contains(": error: "), "\(line)")
        #expect(!line.contains("htpass create"), "\(line)")
        let missing = try htpass(["check", "/nonexistent/htpasswd"])
        #expect(missing.status == 1 && missing.stdoutText.contains("[not-found]"))
        #expect(missing.stdoutText.contains("htpass create"))
    }

    @Test("The command adds what to do to the library's facts; the ids stay")
    func advice() throws {
        let sandbox = try Sandbox()
        chmod(sandbox.directory, 0o777)
        let long = String(repeating: "x", count: 9000)
        let path = try sandbox.write(
            "htpasswd", "\u{FEFF}a:\(Self.sha1)\r\n  b:\(Self.sha1)\n#\(long)\nc:\(Self.sha1)\n", mode: 0o666)
        let output = try htpass(["check", path, "--target", "nginx,apache,envoy"])
        let found = lines(output.stdoutText)
        func line(_ id: String, _ target: String? = nil) throws -> String {
            try #require(found.first { $0.hasSuffix("[\(id)]") && (target.map($0.contains) ?? true) }, "\(found)")
        }
        #expect(try line("world-writable").contains("; run 'chmod o-w' on it"))
        #expect(try line("writable-directory").contains("; run 'chmod go-w' on that directory"))
        #expect(try line("byte-order-mark").contains("; save the file without one"))
        #expect(try line("crlf").contains("Envoy keeps the CR") && (try line("crlf")).hasSuffix("prefer LF [crlf]"))
        #expect(try line("name-read-differently").contains("; remove the white space"))
        #expect(try line("line-not-read", "Apache").contains("; shorten or remove"))
        #expect(
            try line("file-refused", "Envoy").contains(
                "; set that user's password again with 'htpass add --target envoy'"))
    }
}

import Foundation
import TestSupport
import Testing

/// The advice of an error names only what the command running can do.
@Suite("Messages fit the command")
struct MessageTests {
    @Test(
        "A missing file: --create only where the command has it",
        arguments: [
            (["verify", "FILE", "alice", "--stdin"], false), (["list", "FILE"], false),
            (["export", "FILE", "--format", "compose"], false), (["delete", "FILE", "alice"], false),
            (["add", "FILE", "alice", "--stdin", "--cost", "4"], true), (["apply", "FILE", "-"], true),
        ])
    func missingFile(arguments: [String], create: Bool) throws {
        let sandbox = try Sandbox()
        let output = try htpass(arguments.map { $0 == "FILE" ? sandbox.path("absent") : $0 }, stdin: "alice:pw\n")
        try expectFailure(output, 4)
        #expect(output.stderrText.contains("--create") == create, "\(output.stderrText)")
        #expect(output.stderrText.contains("htpass create"), "\(output.stderrText)")
    }

    @Test("hash --target envoy --cost: the format Envoy verifies takes no cost; bcrypt is not suggested")
    func costForEnvoy() throws {
        let output = try htpass(["hash", "--stdin", "--target", "envoy", "--cost", "12"], stdin: "pw")
        try expectFailure(output, 2)
        #expect(output.stderrText.contains("sha1") && output.stderrText.contains("Envoy"), "\(output.stderrText)")
        #expect(!output.stderrText.contains("bcrypt"), "\(output.stderrText)")
        let rounds = try htpass(["hash", "--stdin", "--target", "traefik", "--rounds", "5000"], stdin: "pw")
        try expectFailure(rounds, 2)
        #expect(!rounds.stderrText.contains("sha512"), "\(rounds.stderrText)")
    }

    @Test("The weak-format warning of hash names what the targets verify: nothing stronger for Envoy")
    func weakWarning() throws {
        let envoy = try htpass(["hash", "--stdin", "--target", "envoy"], stdin: "pw")
        #expect(envoy.status == 0 && envoy.stdoutText.hasPrefix("{SHA}"))
        #expect(envoy.stderrText.contains("Envoy verifies no stronger format"), "\(envoy.stderrText)")
        #expect(!envoy.stderrText.contains("bcrypt"), "\(envoy.stderrText)")
        let apr1 = try htpass(["hash", "--stdin", "-a", "apr1"], stdin: "pw")
        #expect(apr1.stderrText.contains("prefer bcrypt"), "\(apr1.stderrText)")
    }

    @Test("hash --format k8s-secret: one line, one 'see'")
    func hashFormat() throws {
        let output = try htpass(["hash", "--stdin", "--format", "k8s-secret"], stdin: "pw")
        try expectFailure(output, 2)
        #expect(output.stderrText.components(separatedBy: "see ").count == 2, "\(output.stderrText)")
        #expect(output.stderrText.contains("htpass export"))
    }

    @Test("The root help and check's help give every meaning of the statuses")
    func statuses() throws {
        let root = try htpass(["--help"]).stdoutText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(root.contains("verify --as T: T refuses the whole file"), "\(root)")
        #expect(root.contains("verify --as T: a format, cost or prefix T cannot verify"), "\(root)")
        #expect(root.contains("missing file"), "\(root)")
        let check = try htpass(["check", "--help"]).stdoutText.split(whereSeparator: \.isWhitespace)
            .joined(separator: " ")
        #expect(check.contains("including a missing file, a directory"), "\(check)")
        #expect(check.contains("4 the file exists but could not be read"), "\(check)")
    }
}

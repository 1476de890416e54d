import Foundation
import TestSupport
import Testing

@Suite("Help, records, large files")
struct MoreCommandTests {
    @Test("--help documents every exit status")
    func helpExitStatuses() throws {
        let output = try htpass(["--help"])
        #expect(output.status == 0)
        #expect(output.stderr.isEmpty)
        let text = output.stdoutText
        for code in 0...6 {
            #expect(
                lines(text).contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("\(code) ") }, "status \(code)"
            )
        }
        for subcommand in ["create", "add", "delete", "verify", "list", "hash"] {
            #expect(text.contains(subcommand))
            let help = try htpass([subcommand, "--help"])
            #expect(help.status == 0 && !help.stdout.isEmpty, "\(subcommand) --help")
        }
    }

    @Test(
        "Options that do not apply to the algorithm are usage errors",
        arguments: [
            ["-a", "sha512", "--cost", "5"], ["-a", "bcrypt", "--rounds", "5000"], ["-a", "apr1", "--cost", "5"],
            ["-a", "yescrypt", "--rounds", "5000"],
        ])
    func optionNotApplicable(options: [String]) throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", try entry("alice", "a") + "\n")
        let snapshot = try Snapshot(sandbox)
        try expectFailure(try htpass(["add", file, "bob", "--stdin"] + options, stdin: "pw"), 2, unchanged: snapshot)
    }

    @Test("A record over 255 bytes is written, with a warning")
    func longRecord() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let name = String(repeating: "n", count: 250)
        let output = try htpass(["add", file, name, "--stdin"] + fast, stdin: "pw")
        #expect(output.status == 0)
        let stderr = lines(output.stderrText)
        #expect(stderr.count == 1 && isWarning(stderr[0]) && stderr[0].hasPrefix("htpass: "), "\(output.stderrText)")
        try expectVerifies(file, name, "pw")
        let short = try htpass(["add", file, "short", "--stdin"] + fast, stdin: "pw")
        #expect(short.status == 0 && short.stderr.isEmpty, "\(short.stderrText)")
    }

    @Test("Deleting the last user leaves the other lines")
    func deleteLast() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "# only comments remain\n\(try entry("alice", "a"))\n")
        expectSuccess(try htpass(["delete", file, "alice"]))
        #expect(try sandbox.text("users") == "# only comments remain\n")
        let list = try htpass(["list", file])
        #expect(list.status == 0 && list.stdout.isEmpty)
    }

    @Test("A 200 000-line file: add, change and delete keep every other byte")
    func largeFile() throws {
        let sandbox = try Sandbox()
        // Unsalted {SHA} lines are cheap to make; the content only needs to be entries.
        var text = "# big\n"
        text.reserveCapacity(200_000 * 40)
        for index in 0..<200_000 { text += "user\(index):{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=\n" }
        let file = try sandbox.write("users", text)
        expectSuccess(try htpass(["add", file, "newcomer", "--stdin"] + fast, stdin: "pw"))
        let after = try sandbox.text("users")
        #expect(after.hasPrefix(text))
        #expect(lines(String(after.dropFirst(text.count))).count == 1)
        expectSuccess(try htpass(["add", file, "user100000", "--stdin"] + fast, stdin: "pw2"))
        try expectVerifies(file, "user100000", "pw2")
        try expectVerifies(file, "user199999", "myPassword")
        expectSuccess(try htpass(["delete", file, "user100000", "newcomer"]))
        let expected = text.replacingOccurrences(of: "user100000:{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=\n", with: "")
        #expect(try sandbox.text("users") == expected)
        let list = try htpass(["list", file])
        #expect(lines(list.stdoutText).count == 199_999)
    }

    @Test("A missing file name in a message is the path given")
    func messageNamesPath() throws {
        let sandbox = try Sandbox()
        let output = try htpass(["list", sandbox.path("absent")])
        try expectFailure(output, 4)
        #expect(output.stderrText.contains(sandbox.path("absent")))
    }
}

import Foundation
import TestSupport
import Testing

@Suite("Password sources")
struct PasswordSourceTests {
    /// (bytes given, the password they stand for)
    static let lineEndings: [(String, String)] = [
        ("pw", "pw"),
        ("pw\n", "pw"),
        ("pw\r\n", "pw"),
        ("pw\n\n", "pw\n"),
        ("pw\r\n\r\n", "pw\r\n"),
        ("pw\r", "pw\r"),
        ("\npw\n", "\npw"),
        (" pw \n", " pw "),
        ("p w\tx\n", "p w\tx"),
        ("line1\nline2\n", "line1\nline2"),
    ]

    @Test("--stdin removes exactly one trailing newline", arguments: lineEndings)
    func stdin(given: String, meant: String) throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        expectSuccess(try htpass(["add", file, "alice", "--stdin"] + fast, stdin: given))
        try expectVerifies(file, "alice", meant)
        // The same rule on the verify side.
        #expect(try htpass(["verify", file, "alice", "--stdin"], stdin: given).status == 0)
        if given != meant {
            #expect(try verifyStatus(file, "alice", given) == 1)
        }
    }

    @Test("--password-file follows the same rule", arguments: lineEndings)
    func passwordFile(given: String, meant: String) throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let passwordFile = try sandbox.write("pw", given, mode: 0o600)
        expectSuccess(try htpass(["add", file, "alice", "--password-file", passwordFile] + fast))
        try expectVerifies(file, "alice", meant)
        #expect(try htpass(["verify", file, "alice", "--password-file", passwordFile]).status == 0)
        #expect(try sandbox.bytes("pw") == Array(given.utf8), "the password file is not touched")
    }

    @Test("--password-env takes the variable's value as it is")
    func passwordEnv() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        for value in ["plain", " spaced ", "ends-with-newline\n", "ünïcödé", "a:b:c"] {
            expectSuccess(
                try htpass(
                    ["add", file, "alice", "--password-env", "HTPASS_TEST_PW"] + fast,
                    environment: ["HTPASS_TEST_PW": value]))
            try expectVerifies(file, "alice", value)
            if value.hasSuffix("\n") { #expect(try verifyStatus(file, "alice", String(value.dropLast())) == 1) }
        }
    }

    @Test("Passwords are bytes: invalid UTF-8 from a file round-trips")
    func binaryPassword() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let passwordFile = try sandbox.write("pw", bytes: [0xFF, 0xFE, 0x41, 0x80, 0x0A])
        expectSuccess(try htpass(["add", file, "alice", "--password-file", passwordFile, "-a", "sha512"]))
        #expect(try htpass(["verify", file, "alice", "--password-file", passwordFile]).status == 0)
        let verify = try htpassBytes(
            [Array("verify".utf8), Array(file.utf8), Array("alice".utf8), Array("--stdin".utf8)],
            stdin: [0xFF, 0xFE, 0x41, 0x80])
        #expect(verify.status == 0)
        let wrong = try htpassBytes(
            [Array("verify".utf8), Array(file.utf8), Array("alice".utf8), Array("--stdin".utf8)],
            stdin: [0xFF, 0xFE, 0x41])
        #expect(wrong.status == 1)
    }

    @Test("A missing password file exits 4 and changes nothing")
    func missingPasswordFile() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", try entry("alice", "a") + "\n")
        let snapshot = try Snapshot(sandbox)
        try expectFailure(
            try htpass(["add", file, "bob", "--password-file", sandbox.path("nope")] + fast), 4, unchanged: snapshot)
    }

    @Test("An unset --password-env variable exits 2 and changes nothing")
    func unsetVariable() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", try entry("alice", "a") + "\n")
        let snapshot = try Snapshot(sandbox)
        try expectFailure(
            try htpass(
                ["add", file, "bob", "--password-env", "HTPASS_TEST_UNSET"] + fast,
                environment: ["HTPASS_TEST_UNSET": nil]), 2, unchanged: snapshot)
    }

    @Test("A password is never printed")
    func notPrinted() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        for arguments in [["add", file, "alice", "--stdin"] + fast, ["verify", file, "alice", "--stdin"]] {
            let output = try htpass(arguments, stdin: "Very-Secret-42")
            #expect(!output.stdoutText.contains("Very-Secret-42") && !output.stderrText.contains("Very-Secret-42"))
        }
        let failure = try htpass(["add", file, "bad:user", "--stdin"] + fast, stdin: "Very-Secret-42")
        #expect(!failure.stderrText.contains("Very-Secret-42"))
    }
}

@Suite("Terminal prompt")
struct TerminalPromptTests {
    @Test("add prompts twice without echo and sets the password")
    func addPrompt() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let session = try Terminal.run(
            TestSupport.htpassBinary, ["add", file, "alice"] + fast, answers: ["Typed-Secret-1", "Typed-Secret-1"])
        #expect(session.status == 0, "\(session.transcriptText)")
        #expect(session.answered == 2, "two prompts: \(session.transcriptText)")
        #expect(session.echoOff == [true, true], "echo must be off at each prompt")
        #expect(!session.transcriptText.contains("Typed-Secret-1"), "echoed: \(session.transcriptText)")
        try expectVerifies(file, "alice", "Typed-Secret-1")
    }

    @Test("Two different entries exit 5 and change nothing")
    func mismatch() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", try entry("alice", "old-pw") + "\n")
        let snapshot = try Snapshot(sandbox)
        let session = try Terminal.run(
            TestSupport.htpassBinary, ["add", file, "alice"] + fast, answers: ["First-Entry", "Second-Entry"])
        #expect(session.status == 5, "\(session.transcriptText)")
        #expect(session.transcriptText.contains("htpass: "), "one error line: \(session.transcriptText)")
        #expect(!session.transcriptText.contains("First-Entry") && !session.transcriptText.contains("Second-Entry"))
        try snapshot.expectUnchanged()
        try expectVerifies(file, "alice", "old-pw")
    }

    @Test("create FILE USER and hash prompt twice", arguments: [["create", "NEW", "bob"], ["hash", "bob"], ["hash"]])
    func createAndHash(arguments: [String]) throws {
        let sandbox = try Sandbox()
        let session = try Terminal.run(
            TestSupport.htpassBinary, arguments.map { $0 == "NEW" ? sandbox.path("new") : $0 } + fast,
            answers: ["Pw-On-Tty", "Pw-On-Tty"])
        #expect(session.status == 0, "\(session.transcriptText)")
        #expect(session.answered == 2)
        #expect(session.echoOff == [true, true])
        #expect(!session.transcriptText.contains("Pw-On-Tty"))
        if arguments[0] == "create" {
            try expectVerifies(sandbox.path("new"), "bob", "Pw-On-Tty")
        } else {
            #expect(session.transcriptText.contains("$2y$04$"), "the hash is printed: \(session.transcriptText)")
        }
    }

    @Test("verify prompts once")
    func verifyPrompt() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", try entry("alice", "Right-Pw") + "\n")
        let right = try Terminal.run(
            TestSupport.htpassBinary, ["verify", file, "alice"], answers: ["Right-Pw", "extra"])
        #expect(right.status == 0, "\(right.transcriptText)")
        #expect(right.answered == 1, "one prompt: \(right.transcriptText)")
        #expect(right.echoOff == [true])
        #expect(!right.transcriptText.contains("Right-Pw"))
        let wrong = try Terminal.run(TestSupport.htpassBinary, ["verify", file, "alice"], answers: ["Wrong-Pw"])
        #expect(wrong.status == 1, "\(wrong.transcriptText)")
    }

    @Test("An empty entry on the terminal is refused without --allow-empty")
    func emptyEntry() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let session = try Terminal.run(TestSupport.htpassBinary, ["add", file, "alice"] + fast, answers: ["", ""])
        #expect(session.status == 5, "\(session.transcriptText)")
        #expect(try sandbox.bytes("users") == [])
    }

    @Test("An explicit source on a terminal does not prompt")
    func explicitSourceOnTerminal() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let session = try Terminal.run(
            TestSupport.htpassBinary, ["add", file, "alice", "--password-env", "PW"] + fast, answers: [],
            environment: ["PW": "env-pw"])
        #expect(session.status == 0, "\(session.transcriptText)")
        try expectVerifies(file, "alice", "env-pw")
    }
}

@Suite("User names as bytes")
struct UserNameBytesTests {
    @Test("A UTF-8 name round-trips through add, list, verify and delete")
    func utf8() throws {
        let sandbox = try Sandbox()
        let original = "\(try entry("alice", "a"))\n"
        let file = try sandbox.write("users", original)
        let name = "Zoë-日本-😀"
        expectSuccess(try htpass(["add", file, name, "--stdin"] + fast, stdin: "pw"))
        #expect(try sandbox.bytes("users").starts(with: Array((original + name + ":$2y$").utf8)))
        #expect(try htpass(["list", file]).stdoutText == "alice\n\(name)\n")
        try expectVerifies(file, name, "pw")
        expectSuccess(try htpass(["delete", file, name]))
        #expect(try sandbox.text("users") == original)
    }

    @Test(
        "A name with invalid UTF-8 bytes round-trips as bytes",
        arguments: [[0x62, 0xFF, 0x6F, 0x62], [0xE9, 0x74, 0xE9], [0xC3, 0x28], [0x80]])
    func invalidUTF8(name: [UInt8]) throws {
        let sandbox = try Sandbox()
        let original = "\(try entry("alice", "a"))\n"
        let file = try sandbox.write("users", original)
        let f = Array(file.utf8)
        func args(_ words: String...) -> [[UInt8]] {
            words.map { $0 == "NAME" ? name : $0 == "FILE" ? f : Array($0.utf8) }
        }

        expectSuccess(try htpassBytes(args("add", "FILE", "NAME", "--stdin", "--cost", "4"), stdin: Array("pw".utf8)))
        let bytes = try sandbox.bytes("users")
        #expect(bytes.starts(with: Array(original.utf8) + name + [UInt8(ascii: ":")]), "\(bytes)")

        // list prints the raw bytes.
        let list = try htpassBytes(args("list", "FILE"))
        #expect(list.stdout == Array("alice\n".utf8) + name + [0x0A])

        #expect(try htpassBytes(args("verify", "FILE", "NAME", "--stdin"), stdin: Array("pw".utf8)).status == 0)
        #expect(try htpassBytes(args("verify", "FILE", "NAME", "--stdin"), stdin: Array("px".utf8)).status == 1)
        // The U+FFFD spelling of the same name is another user.
        let replaced = Array(String(decoding: name, as: UTF8.self).utf8)
        #expect(
            try htpass(["verify", file, String(decoding: replaced, as: UTF8.self), "--stdin"], stdin: "pw").status == 3)

        // Changing the password replaces the same line.
        expectSuccess(try htpassBytes(args("add", "FILE", "NAME", "--stdin", "--cost", "4"), stdin: Array("pw2".utf8)))
        #expect(lines(try sandbox.text("users")).count == 2)
        #expect(try htpassBytes(args("verify", "FILE", "NAME", "--stdin"), stdin: Array("pw2".utf8)).status == 0)

        // --json keeps the exact bytes in base64.
        let json = try htpassBytes(args("list", "FILE", "--json"))
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any]
        let entries = object?["entries"] as? [[String: Any]] ?? []
        #expect(entries.count == 2)
        #expect((entries.last?["user_base64"] as? String).flatMap { Data(base64Encoded: $0) }.map(Array.init) == name)

        expectSuccess(try htpassBytes(args("delete", "FILE", "NAME")))
        #expect(try sandbox.text("users") == original)
    }

    @Test("hash USER with invalid UTF-8 prints the raw bytes")
    func hashRawName() throws {
        let name: [UInt8] = [0x75, 0xFE, 0x73]
        let output = try htpassBytes(
            [Array("hash".utf8), name, Array("--stdin".utf8), Array("--cost".utf8), Array("4".utf8)],
            stdin: Array("pw".utf8))
        #expect(output.status == 0)
        #expect(output.stdout.starts(with: name + Array(":$2y$04$".utf8)))
    }
}

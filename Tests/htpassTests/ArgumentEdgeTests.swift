import Foundation
import TestSupport
import Testing

/// Command lines whose bytes, values or targets are easy to get wrong.
@Suite("Argument edge cases")
struct ArgumentEdgeTests {
    @Test("An option value that decodes like the user name does not take its place")
    func userNameFoundByPosition() throws {
        let sandbox = try Sandbox()
        // A password file named U+FFFD (valid UTF-8), and a user 0xFF, which decodes to U+FFFD too.
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        try sandbox.write("\u{FFFD}", "pw")
        let file = Array(sandbox.path("users").utf8)
        let output = try htpassBytes(
            [
                Array("add".utf8), Array("--create".utf8), file, Array("--password-file".utf8),
                Array(sandbox.path("\u{FFFD}").utf8), [0xFF], Array("--cost".utf8), Array("4".utf8),
            ])
        #expect(output.status == 0, "\(output.stderrText)")
        let bytes = try sandbox.bytes("users")
        #expect(bytes.starts(with: [0xFF, UInt8(ascii: ":")]), "\(bytes)")
        #expect(!bytes.starts(with: replacement))
    }

    @Test("A file name that is not valid UTF-8 is used byte for byte, not through its decoding")
    func invalidUTF8Path() throws {
        let sandbox = try Sandbox()
        let path = Array(sandbox.path("f").utf8) + [0xFF]
        let output = try htpassBytes(
            [Array("add".utf8), Array("--create".utf8), Array("--stdin".utf8), path, Array("bob".utf8)],
            stdin: Array("pw".utf8))
        #expect(output.status == 0, "\(output.stderrText)")
        // The message names the file with the invalid byte escaped.
        #expect(output.stderrText.contains("f\\xFF"), "\(output.stderrText)")
        var info = stat()
        #expect(
            (path.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { lstat($0.baseAddress!, &info) } == 0)
        #expect(try sandbox.listing().count == 1)
        let list = try htpassBytes([Array("list".utf8), path])
        #expect(list.status == 0 && list.stdoutText == "bob\n", "\(list.stderrText)")
        let verify = try htpassBytes(
            [Array("verify".utf8), Array("--stdin".utf8), path, Array("bob".utf8)], stdin: Array("pw".utf8))
        #expect(verify.status == 0, "\(verify.stderrText)")
    }

    @Test("--generate with des makes an 8-character password, which des uses whole")
    func generateDES() throws {
        let sandbox = try Sandbox()
        let file = sandbox.path("users")
        let output = try htpass(["add", "--create", "--generate", "-a", "des", file, "dave"])
        #expect(output.status == 0, "\(output.stderrText)")
        let password = output.stdoutText.trimmingCharacters(in: .newlines)
        #expect(password.utf8.count == 8)
        #expect(try htpass(["verify", "--stdin", file, "dave"], stdin: password).status == 0)
    }

    @Test(
        "--mode refuses set-id and sticky bits (usage error), and the file is not created",
        arguments: ["4755", "2640", "1777"])
    func specialModeBits(mode: String) throws {
        let sandbox = try Sandbox()
        let output = try htpass(["create", "--mode", mode, sandbox.path("users")])
        #expect(output.status == 2)
        #expect(try sandbox.listing().isEmpty)
    }

    @Test("--mode and --group on an existing file: a warning, and the file keeps its mode")
    func newFileOptionsOnExistingFile() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "", mode: 0o600)
        let output = try htpass(["add", "--mode", "644", "--stdin", "--cost", "4", file, "erin"], stdin: "pw")
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(output.stderrText.contains("--mode and --group apply to new files"), "\(output.stderrText)")
        #expect(try sandbox.mode("users") == 0o600)
    }

    @Test(
        "Help text has no stray line-continuation backslashes",
        arguments: ["create", "add", "delete", "verify", "list", "hash", "check", "apply", "export"])
    func helpWithoutBackslashes(command: String) throws {
        let output = try htpass([command, "--help"])
        #expect(output.status == 0)
        let stray = lines(output.stdoutText).filter { $0.hasSuffix("\\") }
        #expect(stray.isEmpty, "\(stray)")
    }
}

import Foundation
import TestSupport
import Testing

/// Issue 17: standard input on a terminal. `--stdin` and apply's SPEC read all of standard input; on a
/// terminal they say so on standard error (what is read, and that Ctrl-D ends it) and do not echo it.
@Suite("Standard input on a terminal")
struct TerminalTests {
    /// What is typed: the text, Enter, then Ctrl-D at the start of a line (the end of input).
    static func typed(_ text: String) -> String { text + "\n\u{4}" }

    @Test("add --stdin on a terminal: a prompt on stderr naming Ctrl-D, nothing echoed, the password stored")
    func addStdin() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let session = try Terminal.run(
            TestSupport.htpassBinary, ["add", "--stdin", file, "alice"] + fast, answers: [Self.typed("Typed-Secret-1")])
        #expect(session.status == 0, "\(session.transcriptText)")
        #expect(session.answered == 1 && session.echoOff == [true], "\(session.echoOff)")
        #expect(session.transcriptText.contains("htpass: reading the new password for alice from standard input"))
        #expect(session.transcriptText.contains("Ctrl-D"), "\(session.transcriptText)")
        #expect(!session.transcriptText.contains("Typed-Secret-1"), "echoed: \(session.transcriptText)")
        // On a terminal, the edit says what it did.
        #expect(session.transcriptText.contains("htpass: Adding user alice"), "\(session.transcriptText)")
        try expectVerifies(file, "alice", "Typed-Secret-1")
    }

    @Test("verify --stdin on a terminal: the same prompt, no echo, the verdict")
    func verifyStdin() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", try entry("alice", "Typed-Secret-2") + "\n")
        let right = try Terminal.run(
            TestSupport.htpassBinary, ["verify", "--stdin", file, "alice"], answers: [Self.typed("Typed-Secret-2")])
        #expect(right.status == 0, "\(right.transcriptText)")
        #expect(right.echoOff == [true])
        #expect(right.transcriptText.contains("the password for alice from standard input"))
        #expect(!right.transcriptText.contains("Typed-Secret-2"))
        let wrong = try Terminal.run(
            TestSupport.htpassBinary, ["verify", "--stdin", file, "alice"], answers: [Self.typed("Typed-Secret-3")])
        #expect(wrong.status == 1, "\(wrong.transcriptText)")
    }

    @Test("apply FILE without SPEC on a terminal says it reads SPEC from standard input, without echo")
    func applySpec() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let session = try Terminal.run(
            TestSupport.htpassBinary, ["apply", file] + fast, answers: [Self.typed("alice:Spec-Pw-1\nbob:Spec-Pw-2")])
        #expect(session.status == 0, "\(session.transcriptText)")
        #expect(session.echoOff == [true])
        #expect(session.transcriptText.contains("reading SPEC from standard input"), "\(session.transcriptText)")
        #expect(session.transcriptText.contains("Ctrl-D"))
        #expect(!session.transcriptText.contains("Spec-Pw"), "echoed: \(session.transcriptText)")
        try expectVerifies(file, "alice", "Spec-Pw-1")
        try expectVerifies(file, "bob", "Spec-Pw-2")
    }

    @Test("-q silences what an edit says on a terminal; delete says what it deleted")
    func quietAndDeleted() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write(
            "users", try entry("alice", "alice-pw") + "\n" + (try entry("bob", "bob-pw")) + "\n")
        let quiet = try Terminal.run(TestSupport.htpassBinary, ["delete", "-q", file, "alice"], answers: [])
        #expect(quiet.status == 0 && quiet.transcript.isEmpty, "\(quiet.transcriptText)")
        let loud = try Terminal.run(TestSupport.htpassBinary, ["delete", file, "bob"], answers: [])
        #expect(loud.status == 0, "\(loud.transcriptText)")
        #expect(loud.transcriptText.contains("htpass: Deleted bob"), "\(loud.transcriptText)")
        let update = try Terminal.run(
            TestSupport.htpassBinary, ["add", "--password-env", "PW", file, "carol"] + fast, answers: [],
            environment: ["PW": "carol-pw"])
        #expect(update.transcriptText.contains("Adding user carol"), "\(update.transcriptText)")
        let again = try Terminal.run(
            TestSupport.htpassBinary, ["add", "--password-env", "PW", file, "carol"] + fast, answers: [],
            environment: ["PW": "carol-pw2"])
        #expect(again.transcriptText.contains("Updating password for carol"), "\(again.transcriptText)")
    }

    @Test("list on a terminal shows a byte order mark before the first name")
    func byteOrderMarkOnTerminal() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "\u{FEFF}" + (try entry("alice", "alice-pw")) + "\n")
        let session = try Terminal.run(TestSupport.htpassBinary, ["list", file], answers: [])
        #expect(session.status == 0)
        #expect(session.transcriptText.contains("\\xEF\\xBB\\xBFalice"), "\(session.transcriptText)")
    }
}

import Foundation

/// Runs a program on a pseudo-terminal through `Tests/Fixtures/cli/pty_run.py` (python3's `pty` module, run by
/// ``TestSupport/python``).
public enum Terminal {
    /// What a terminal session showed.
    public struct Session: Sendable {
        /// The exit status; 128+N for signal N; -1 if the helper killed it after 60 s.
        public var status: Int
        /// Everything written to the terminal: prompts, messages, and any echoed input.
        public var transcript: [UInt8]
        /// For each answer typed: whether the terminal's echo was off at that moment.
        public var echoOff: [Bool]
        /// How many answers were typed.
        public var answered: Int
        public var transcriptText: String { String(decoding: transcript, as: UTF8.self) }
    }

    public struct HelperFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `program arguments` with a pseudo-terminal as its standard streams and controlling terminal,
    /// typing `answers` (plus a newline) one at a time, each when a prompt ending in `:` appears.
    public static func run(
        _ program: String, _ arguments: [String], answers: [String], environment: [String: String?] = [:]
    ) throws -> Session {
        let script = TestSupport.fixtures + "/cli/pty_run.py"
        let answersJSON = String(decoding: try JSONSerialization.data(withJSONObject: answers), as: UTF8.self)
        let output = try TestSupport.spawn(
            try TestSupport.python,
            ([script, answersJSON, "--", try TestSupport.locate(program)] + arguments).map { Array($0.utf8) },
            environment: environment)
        guard output.status == 0,
            let object = try? JSONSerialization.jsonObject(with: Data(output.stdout)) as? [String: Any],
            let status = object["status"] as? Int,
            let transcript = (object["transcript"] as? String).flatMap({ Data(base64Encoded: $0) }),
            let echoOff = object["echo_off"] as? [Bool],
            let answered = object["answered"] as? Int
        else {
            throw HelperFailure(
                description: "pty_run.py failed (\(output.status)): \(output.stderrText) \(output.stdoutText)")
        }
        return Session(status: status, transcript: Array(transcript), echoOff: echoOff, answered: answered)
    }
}

import Foundation
import TestSupport
import Testing

/// examples/pipelines: the container entrypoint that builds the file from environment variables, run by
/// dash and by BusyBox's sh (Alpine's), and the GitOps renderer.
@Suite("Pipeline examples")
struct PipelineExampleTests {
    static let entrypoint = TestSupport.packageRoot + "/examples/pipelines/entrypoint.sh"
    static let renderSecret = TestSupport.packageRoot + "/examples/pipelines/render-secret.sh"
    static let ci = TestSupport.packageRoot + "/examples/pipelines/ci.sh"

    /// Runs the entrypoint with `shell` under strace, which records every program started and its arguments;
    /// the "server" the entrypoint starts prints its environment.
    static func runEntrypoint(
        shell: [String], workspace: Workspace, environment: [String: String?]
    ) throws -> (output: TestSupport.Output, execs: String) {
        let trace = workspace.path("trace-\(UUID().uuidString)")
        let output = try TestSupport.run(
            try TestSupport.locate("strace"),
            ["-f", "-qq", "-e", "trace=execve", "-s", "65536", "-o", trace] + shell + [entrypoint, "env"],
            environment: environment.merging(["PATH": pathWithHtpass, "HTPASS_TARGET": nil]) { $1 })
        return (output, String(decoding: try TestSupport.readBytes(trace), as: UTF8.self))
    }

    @Test(
        "The entrypoint writes the users of HTPASS_USER_ variables, never in an argument list, and unsets them",
        arguments: [["/bin/sh"], ["busybox", "sh"]])
    func entrypoint(shell: [String]) throws {
        let workspace = try Workspace()
        let file = workspace.path("htpasswd")
        let users = [
            ("alice", "s3cret with $HOME and spaces"), ("bob", "it's: \"quoted\" \\ and é"), ("c_3", "-n -e c3pw"),
        ]
        try workspace.write("more.spec", "dave.smith@example.org:dave's pw\n")
        var environment: [String: String?] = [
            "HTPASSWD_FILE": file, "HTPASS_GROUP": "root", "HTPASS_SPEC_FILE": workspace.path("more.spec"),
        ]
        for (user, password) in users { environment["HTPASS_USER_" + user] = password }
        let (output, execs) = try Self.runEntrypoint(shell: shell, workspace: workspace, environment: environment)
        #expect(output.status == 0, "\(output.stderrText)")
        for (user, password) in users + [("dave.smith@example.org", "dave's pw")] {
            try expectVerifies(file, user, password)
            #expect(!execs.contains(password), "\(password) in an argument list")
        }
        #expect(execs.contains("\"htpass\", \"apply\""), "htpass did not run: \(execs)")
        // The server does not inherit the passwords.
        #expect(!output.stdoutText.contains("HTPASS_USER_"), "\(output.stdoutText)")
        #expect(lines(output.stdoutText).contains("HTPASSWD_FILE=" + file))

        // A restart with the same variables writes nothing; one without bob removes him.
        let before = try FileIdentity(file)
        let again = try Self.runEntrypoint(shell: shell, workspace: workspace, environment: environment)
        #expect(again.output.status == 0 && again.output.stderrText.contains("nothing to write"))
        #expect(try FileIdentity(file) == before)
        environment["HTPASS_USER_bob"] = .some(nil)
        let without = try Self.runEntrypoint(shell: shell, workspace: workspace, environment: environment)
        #expect(without.output.status == 0, "\(without.output.stderrText)")
        #expect(
            lines(try workspace.text("htpasswd")).map { String($0.prefix { $0 != ":" }) }.sorted() == [
                "alice", "c_3", "dave.smith@example.org",
            ])
    }

    @Test("A password with a line break stops the entrypoint before htpass runs; the server does not start")
    func lineBreak() throws {
        let workspace = try Workspace()
        let file = workspace.path("htpasswd")
        let environment: [String: String?] = [
            "HTPASSWD_FILE": file, "HTPASS_GROUP": "root", "HTPASS_USER_alice": "a",
            "HTPASS_USER_bob": "x\nmallory:owned",
        ]
        let (output, execs) = try Self.runEntrypoint(shell: ["/bin/sh"], workspace: workspace, environment: environment)
        #expect(output.status == 1 && output.stdout.isEmpty)
        #expect(output.stderrText.contains("HTPASS_USER_bob has a line break"), "\(output.stderrText)")
        #expect(!execs.contains("\"apply\"") && !FileManager.default.fileExists(atPath: file))
    }

    @Test("render-secret.sh: the same SPEC twice gives the same manifest; a new password changes only the data")
    func renderSecret() throws {
        let workspace = try Workspace()
        let state = workspace.path("htpasswd")
        try workspace.write("users.spec", "alice:a-pw\nbob:b-pw\n")
        func render() throws -> TestSupport.Output {
            let output = try TestSupport.run(
                "/bin/sh",
                [Self.renderSecret, "ingress-nginx", state, workspace.path("users.spec"), "web-auth", "web"],
                environment: ["PATH": pathWithHtpass, "HTPASS_TARGET": nil])
            #expect(output.status == 0, "\(output.stderrText)")
            return output
        }
        let first = try render()
        #expect(first.stdoutText.contains("  \"auth\": ") && first.stdoutText.contains("namespace: web"))
        let second = try render()
        #expect(second.stdout == first.stdout && second.stderrText.contains("nothing to write"))
        try workspace.write("users.spec", "alice:a-pw\nbob:new b-pw\n")
        let third = try render()
        let differing = zip(lines(first.stdoutText), lines(third.stdoutText)).filter { $0 != $1 }
        #expect(differing.count == 1 && differing.first?.0.hasPrefix("  \"auth\": ") == true)
        try expectVerifies(state, "bob", "new b-pw")
        try expectVerifies(state, "alice", "a-pw")
    }

    @Test("ci.sh: the users of WEB_USERS, the changes listed by name; a refused line fails the job and writes nothing")
    func ciJob() throws {
        let workspace = try Workspace()
        let file = workspace.path("htpasswd")
        let old = try TestSupport.htpass(["apply", "--create", "--cost", "4", file, "-"], stdin: Array("old:x\n".utf8))
        try #require(old.status == 0)
        func job(_ users: String) throws -> TestSupport.Output {
            try TestSupport.run(
                "/bin/sh", [Self.ci, file],
                environment: ["PATH": pathWithHtpass, "WEB_USERS": users, "HTPASS_TARGET": nil])
        }
        let first = try job("alice:a pw\nbob:b pw")
        #expect(first.status == 0, "\(first.stderrText)")
        #expect(lines(first.stdoutText) == ["+ alice", "+ bob", "- old"])
        try expectVerifies(file, "bob", "b pw")
        let before = try FileIdentity(file)
        let refused = try job("alice:a pw\nbob:")
        #expect(refused.status == 5 && refused.stderrText.contains("SPEC line 2"), "\(refused.stderrText)")
        #expect(try FileIdentity(file) == before)
    }
}

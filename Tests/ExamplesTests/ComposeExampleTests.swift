import Foundation
import TestSupport
import Testing

/// examples/pipelines/compose: what Docker Compose makes of the users, read by the real docker-compose
/// (Debian's 1.29, `config` only: it interpolates without a Docker engine).
@Suite("Compose example")
struct ComposeExampleTests {
    /// `docker-compose config`, parsed: the label values of `service`, with Compose's `$$` (how `config`
    /// prints a literal `$`) turned back into `$`.
    static func labels(_ workspace: Workspace, service: String) throws -> [String: String] {
        let config = try TestSupport.run(
            try TestSupport.locate("docker-compose"), ["-f", "compose.yaml", "config"],
            environment: ["HTPASSWD_USERS": nil], directory: workspace.directory)
        try #require(config.status == 0, "docker-compose config: \(config.stderrText)")
        let script = """
            import json, sys, yaml
            labels = yaml.safe_load(sys.stdin)["services"][sys.argv[1]]["labels"]
            print(json.dumps({k: v.replace("$$", "$") for k, v in labels.items()}))
            """
        let parsed = try TestSupport.run(try TestSupport.python, ["-c", script, service], stdin: config.stdout)
        try #require(parsed.status == 0, "\(parsed.stderrText)")
        return try #require(try JSONSerialization.jsonObject(with: Data(parsed.stdout)) as? [String: String])
    }

    @Test(
        "Traefik's label, from .env, is the file's entries; the mounted file is not escaped; a re-run changes nothing")
    func compose() throws {
        let workspace = try Workspace(copying: "pipelines/compose")
        try workspace.write("users.spec", "alice:a pw\nbob:b $pw\n")
        func render() throws {
            let output = try TestSupport.run(
                "/bin/sh", [workspace.path("render.sh")], environment: ["PATH": pathWithHtpass, "HTPASS_TARGET": nil])
            try #require(output.status == 0, "\(output.stderrText)")
        }
        try render()
        let file = workspace.path("auth/htpasswd")
        let entries = lines(try workspace.text("auth/htpasswd"))
        #expect(entries.count == 2 && entries.allSatisfy { $0.contains(":$2y$10$") }, "\(entries)")
        try expectVerifies(file, "alice", "a pw")
        try expectVerifies(file, "bob", "b $pw")
        let labels = try Self.labels(workspace, service: "whoami")
        #expect(labels["traefik.http.middlewares.whoami-auth.basicauth.users"] == entries.joined(separator: ","))

        // The same users again: neither the file nor .env is written.
        let (fileBefore, envBefore) = (try FileIdentity(file), try FileIdentity(workspace.path(".env")))
        try render()
        #expect(try FileIdentity(file) == fileBefore && (try FileIdentity(workspace.path(".env"))) == envBefore)
    }

    @Test("A label written inline with hash --format compose reaches the container unchanged; unescaped, it does not")
    func inlineLabel() throws {
        let workspace = try Workspace()
        let hash = try TestSupport.htpass(
            ["hash", "--stdin", "--format", "compose", "--target", "traefik", "alice", "--cost", "4"],
            stdin: Array("a pw".utf8))
        try #require(hash.status == 0)
        let escaped = hash.stdoutText.trimmingCharacters(in: .newlines)
        let plain = escaped.replacingOccurrences(of: "$$", with: "$")
        try workspace.write(
            "compose.yaml",
            """
            services:
              whoami:
                image: traefik/whoami
                labels:
                  - "escaped=\(escaped)"
            """)
        #expect(try Self.labels(workspace, service: "whoami")["escaped"] == plain)
        try workspace.write("htpasswd", plain + "\n")
        try expectVerifies(workspace.path("htpasswd"), "alice", "a pw")
        // The same line unescaped: Compose takes "$2y" for a variable and refuses the file.
        try workspace.write(
            "compose.yaml", "services:\n  whoami:\n    image: traefik/whoami\n    labels:\n      - \"plain=\(plain)\"\n"
        )
        let refused = try TestSupport.run(
            try TestSupport.locate("docker-compose"), ["-f", "compose.yaml", "config"], directory: workspace.directory)
        #expect(refused.status != 0 && refused.stderrText.contains("Invalid interpolation format"))
    }
}

import Foundation
import TestSupport
import Testing

/// `htpass export` and `hash --format`: the shapes Kubernetes controllers and Docker Compose want.
@Suite("htpass export")
struct ExportTests {
    /// The manifest parsed by PyYAML: kind, type, namespace, and the data keys with their decoded bytes.
    static func parse(_ yaml: [UInt8]) throws -> [String: Any] {
        let script = """
            import base64, json, sys, yaml
            doc = yaml.safe_load(sys.stdin.buffer.read())
            out = {"kind": doc["kind"], "apiVersion": doc["apiVersion"], "type": doc["type"],
                   "name": doc["metadata"]["name"], "namespace": doc["metadata"].get("namespace"),
                   "data": {k: base64.b64decode(v, validate=True).decode("latin-1") for k, v in doc["data"].items()}}
            print(json.dumps(out))
            """
        let output = try TestSupport.run(try TestSupport.python, ["-c", script], stdin: yaml)
        try #require(output.status == 0, "PyYAML could not parse the manifest: \(output.stderrText)")
        return try JSONSerialization.jsonObject(with: Data(output.stdout)) as? [String: Any] ?? [:]
    }

    @Test(
        "A Secret for each consumer: its type and key, the file's bytes in base64 on one line",
        arguments: [
            ("ingress-nginx", "Opaque", "auth"), ("nginx-inc", "nginx.org/htpasswd", "htpasswd"),
            ("traefik", "Opaque", "users"), ("openshift", "Opaque", "htpasswd"),
        ])
    func secrets(consumer: String, type: String, key: String) throws {
        let sandbox = try Sandbox()
        let content = try entry("alice", "a-pw") + "\n" + entry("bob", "b-pw") + "\n"
        let file = try sandbox.write("htpasswd", content)
        let output = try htpass(["export", file, "--format", "k8s-secret", "--for", consumer, "--name", "web-auth"])
        #expect(output.status == 0, "\(output.stderrText)")
        let dataLine = try #require(lines(output.stdoutText).first { $0.contains(key + "\":") })
        #expect(!dataLine.dropFirst(4).contains(" ") || dataLine.split(separator: " ").count == 2)
        let manifest = try Self.parse(output.stdout)
        #expect(manifest["kind"] as? String == "Secret" && manifest["apiVersion"] as? String == "v1")
        #expect(manifest["type"] as? String == type && manifest["name"] as? String == "web-auth")
        #expect((manifest["data"] as? [String: String]) == [key: content])
        if consumer == "openshift" { #expect(manifest["namespace"] as? String == "openshift-config") }
    }

    @Test("Entries the consumer cannot verify are refused with status 5, and nothing is printed")
    func refused() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("htpasswd", try entry("alice", "a-pw") + "\nbob:$y$j9T$abc$def\n")
        try expectFailure(try htpass(["export", file, "--format", "k8s-secret", "--for", "ingress-nginx"]), 5)
        try expectFailure(try htpass(["export", file, "--format", "k8s-secret", "--for", "envoy-gateway"]), 5)
        try sandbox.write("htpasswd", try entry("alice", "a-pw", ["-a", "sha1"]) + "\n")
        let envoy = try htpass([
            "export", file, "--format", "k8s-secret", "--for", "envoy-gateway", "--namespace", "gw",
        ])
        #expect(envoy.status == 0, "\(envoy.stderrText)")
        #expect((try Self.parse(envoy.stdout))["data"] as? [String: String] != nil)
    }

    @Test("An empty file: an empty value, not null, and a warning that every request would get 401")
    func empty() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("htpasswd", "")
        let output = try htpass(["export", file, "--format", "k8s-secret", "--for", "traefik"])
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(output.stdoutText.contains("\"users\": \"\""), "\(output.stdoutText)")
        #expect((try Self.parse(output.stdout))["data"] as? [String: String] == ["users": ""])
        let warning = lines(output.stderrText)
        #expect(warning.count == 1 && warning[0].contains("warning") && warning[0].contains("401"), "\(warning)")
        let comments = try sandbox.write("comments", "# nobody yet\n")
        let commented = try htpass(["export", comments, "--format", "k8s-secret", "--for", "ingress-nginx"])
        #expect(commented.status == 0 && commented.stderrText.contains("401"), "\(commented.stderrText)")
    }

    @Test("--for openshift takes no other namespace than openshift-config: status 2")
    func openshiftNamespace() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("htpasswd", try entry("alice", "a-pw") + "\n")
        let output = try htpass(["export", file, "--format", "k8s-secret", "--for", "openshift", "--namespace", "web"])
        try expectFailure(output, 2)
        #expect(output.stderrText.contains("openshift-config"))
        let right = try htpass([
            "export", file, "--format", "k8s-secret", "--for", "openshift", "--namespace", "openshift-config",
        ])
        #expect(right.status == 0 && right.stdoutText.contains("namespace: openshift-config"))
    }

    @Test("--format compose doubles every $; --format dotenv single-quotes; a mounted file is never escaped")
    func compose() throws {
        let sandbox = try Sandbox()
        let alice = try entry("alice", "a-pw")
        let file = try sandbox.write("htpasswd", alice + "\n" + (try entry("bob", "b-pw")) + "\n")
        let output = try htpass(["export", file, "--format", "compose"])
        #expect(output.status == 0)
        let value = output.stdoutText.trimmingCharacters(in: .newlines)
        #expect(value.replacingOccurrences(of: "$$", with: "$").split(separator: ",").first.map(String.init) == alice)
        #expect(!value.replacingOccurrences(of: "$$", with: "").contains("$"))
        let dotenv = try htpass(["export", file, "--format", "dotenv", "--name", "USERS"])
        #expect(dotenv.stdoutText.hasPrefix("USERS='" + alice + ","), "\(dotenv.stdoutText)")
        let hash = try htpass(["hash", "--stdin", "--format", "compose", "u"] + fast, stdin: "pw")
        #expect(hash.stdoutText.hasPrefix("u:$$2y$$04$$"))
        #expect(try sandbox.text("htpasswd").hasPrefix(alice), "the file itself is untouched")
    }

    @Test("What Docker Compose makes of the compose value is the hash itself")
    func composeInterpolation() throws {
        // Compose's rule: "$$" is a literal "$" and "$NAME" interpolates. A shell here-document with the
        // same rule for "$$" is not the same; check the escaping by undoing it the way Compose does.
        let hash = try htpass(["hash", "--stdin", "--format", "compose", "u"] + fast, stdin: "pw")
        let escaped = hash.stdoutText.trimmingCharacters(in: .newlines)
        var unescaped = ""
        var iterator = escaped.makeIterator()
        while let character = iterator.next() {
            if character == "$" {
                let next = iterator.next()
                #expect(next == "$", "an unescaped $ in \(escaped)")
                unescaped.append("$")
            } else {
                unescaped.append(character)
            }
        }
        let sandbox = try Sandbox()
        let file = try sandbox.write("htpasswd", unescaped + "\n")
        try expectVerifies(file, "u", "pw")
    }
}

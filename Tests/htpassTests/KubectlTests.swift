import Foundation
import TestSupport
import Testing

/// `htpass export --format k8s-secret` read by the real kubectl, offline: the manifest goes through
/// kubectl's own decoding (`kubectl annotate --local`, no API server), and its type, key and data equal
/// those of the Secret kubectl itself makes from the same file (`kubectl create secret generic
/// --from-file=KEY=FILE --dry-run=client`).
///
/// What kubectl cannot check without a server: `apply --dry-run=client` reads the live object, and
/// schema validation needs the server's OpenAPI document (Docs/guides/kubernetes.md).
@Suite("kubectl reads the exported Secrets")
struct KubectlTests {
    /// Runs kubectl with no kubeconfig: nothing here may reach a cluster.
    static func kubectl(_ arguments: [String], stdin: [UInt8] = []) throws -> TestSupport.Output {
        let home = try TestSupport.temporaryDirectory("htpass-kubectl")
        return try TestSupport.run(
            try TestSupport.locate("kubectl"), arguments, stdin: stdin,
            environment: ["KUBECONFIG": "/dev/null", "HOME": home])
    }

    static func json(_ output: TestSupport.Output) throws -> [String: Any] {
        try #require(output.status == 0, "kubectl: \(output.stderrText)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.stdout)) as? [String: Any])
    }

    @Test(
        "Each consumer's Secret, as kubectl decodes it, is the one kubectl makes from the same file",
        arguments: [
            ("ingress-nginx", "Opaque", "auth", ["-a", "bcrypt", "--cost", "4"]),
            ("nginx-inc", "nginx.org/htpasswd", "htpasswd", ["-a", "bcrypt", "--cost", "4"]),
            ("traefik", "Opaque", "users", ["-a", "apr1"]),
            ("envoy-gateway", "Opaque", ".htpasswd", ["-a", "sha1"]),
            ("openshift", "Opaque", "htpasswd", ["-a", "bcrypt", "--cost", "4"]),
        ])
    func sameAsKubectl(consumer: String, type: String, key: String, hashing: [String]) throws {
        let sandbox = try Sandbox()
        let file = sandbox.path("htpasswd")
        expectSuccess(
            try htpass(["apply", "--create", file, "-"] + hashing, stdin: "alice:a-pw\nbob:b pw $x\ncarol:c-pw\n"))
        let namespace = consumer == "openshift" ? "openshift-config" : "web"
        var arguments = ["export", file, "--format", "k8s-secret", "--for", consumer, "--name", "web-auth"]
        if consumer != "openshift" { arguments += ["--namespace", namespace] }
        let export = try htpass(arguments)
        try #require(export.status == 0 && !export.stdout.isEmpty, "\(export.stderrText)")

        let decoded = try Self.json(
            try Self.kubectl(["annotate", "--local", "-f", "-", "checked=yes", "-o", "json"], stdin: export.stdout))
        let reference = try Self.json(
            try Self.kubectl([
                "create", "secret", "generic", "web-auth", "--type", type, "--from-file=\(key)=\(file)",
                "--namespace", namespace, "--dry-run=client", "-o", "json",
            ]))
        #expect(decoded["kind"] as? String == "Secret" && decoded["apiVersion"] as? String == "v1")
        #expect(decoded["type"] as? String == type && reference["type"] as? String == type)
        let metadata = try #require(decoded["metadata"] as? [String: Any])
        #expect(metadata["name"] as? String == "web-auth" && metadata["namespace"] as? String == namespace)
        let data = try #require(decoded["data"] as? [String: String])
        #expect(data == reference["data"] as? [String: String], "\(data) vs \(reference["data"] ?? "nil")")
        #expect(data.keys.sorted() == [key])
        #expect(Data(base64Encoded: data[key] ?? "").map(Array.init) == (try sandbox.bytes("htpasswd")))
    }

    @Test("A second apply of the same SPEC leaves the exported manifest byte for byte as it was")
    func noChurn() throws {
        let sandbox = try Sandbox()
        let file = sandbox.path("htpasswd")
        let spec = "alice:a-pw\nbob:b-pw\n"
        let export = ["export", file, "--format", "k8s-secret", "--for", "ingress-nginx", "--namespace", "web"]
        expectSuccess(try htpass(["apply", "--create", "--target", "nginx-alpine", file, "-"] + fast, stdin: spec))
        let first = try htpass(export)
        expectSuccess(try htpass(["apply", "--exclusive", "--target", "nginx-alpine", file, "-"] + fast, stdin: spec))
        let second = try htpass(export)
        #expect(first.status == 0 && !first.stdout.isEmpty && first.stdout == second.stdout)
        _ = try Self.json(
            try Self.kubectl(["annotate", "--local", "-f", "-", "a=b", "-o", "json"], stdin: first.stdout))
        // A changed password changes the data, and only the data.
        expectSuccess(
            try htpass(["apply", "--target", "nginx-alpine", file, "-"] + fast, stdin: "alice:a-pw\nbob:new\n"))
        let third = try htpass(export)
        let changed = zip(lines(first.stdoutText), lines(third.stdoutText)).filter { $0 != $1 }.map(\.0)
        #expect(changed.count == 1 && changed.first?.hasPrefix("  \"auth\": ") == true, "\(changed)")
    }
}

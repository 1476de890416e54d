import Foundation
import TestSupport
import Testing

/// examples/ansible: the playbook run by the real ansible-playbook on localhost, twice from a clean
/// state (changed, then not), in check mode, and after one password changes in the (encrypted) vault.
@Suite("Ansible example")
struct AnsibleExampleTests {
    /// Runs the example's playbook in `workspace`, with an encrypted vault of `passwords`.
    struct Playbook {
        let workspace: Workspace
        var file: String { workspace.path("htpasswd") }

        init() throws {
            workspace = try Workspace(copying: "ansible")
            try workspace.write("vault-password", "test vault password\n")
        }

        var environment: [String: String?] {
            [
                "PATH": pathWithHtpass, "LC_ALL": "C.UTF-8", "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_HOME": workspace.path(".ansible"), "ANSIBLE_LOCAL_TEMP": workspace.path(".ansible/tmp"),
                "ANSIBLE_CONFIG": nil, "HTPASS_TARGET": nil,
            ]
        }

        /// Writes vars/vault.yml with these passwords (each marked !unsafe, as the example's) and encrypts it.
        func setVault(_ passwords: [(String, String)]) throws {
            var yaml = "vault_htpasswd_passwords:\n"
            for (user, password) in passwords {
                let quoted = password.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "\"", with: "\\\"")
                    .replacingOccurrences(of: "\n", with: "\\n")
                yaml += "  \(user): !unsafe \"\(quoted)\"\n"
            }
            try workspace.write("vars/vault.yml", yaml)
            let encrypt = try TestSupport.run(
                try TestSupport.locate("ansible-vault"),
                [
                    "encrypt", "--vault-password-file", workspace.path("vault-password"),
                    workspace.path("vars/vault.yml"),
                ],
                environment: environment)
            try #require(encrypt.status == 0, "ansible-vault: \(encrypt.stderrText)")
            #expect(try workspace.text("vars/vault.yml").hasPrefix("$ANSIBLE_VAULT;"))
        }

        /// ansible-playbook's recap for localhost: ok, changed, failed.
        struct Recap: Equatable {
            var changed: Int
            var failed: Int
        }

        func run(_ extra: [String] = []) throws -> (Recap, TestSupport.Output) {
            let output = try TestSupport.run(
                try TestSupport.locate("ansible-playbook"),
                [
                    "-i", "inventory.ini", "site.yml", "--vault-password-file", workspace.path("vault-password"),
                    "-e", "htpasswd_file=\(file)",
                ] + extra,
                environment: environment, directory: workspace.directory)
            let recap = try #require(
                lines(output.stdoutText).first { $0.hasPrefix("localhost") && $0.contains("changed=") },
                "no recap: \(output.stdoutText) \(output.stderrText)")
            func count(_ key: String) -> Int? {
                guard let range = recap.range(of: key + "=") else { return nil }
                return Int(recap[range.upperBound...].prefix { $0.isNumber })
            }
            return (Recap(changed: try #require(count("changed")), failed: try #require(count("failed"))), output)
        }
    }

    static let passwords = [
        ("alice", "correct horse battery staple"),
        ("bob", "b0b's pa$$word: {{ not a template }} \\ \""),
        ("carol", "Motörhead 1975"),
    ]

    @Test("Twice from a clean state: changed, then ok with the file untouched; --check and one new password")
    func idempotent() throws {
        let playbook = try Playbook()
        try playbook.setVault(Self.passwords)
        let (first, firstOutput) = try playbook.run()
        #expect(first == .init(changed: 1, failed: 0), "\(firstOutput.stdoutText)")
        for (user, password) in Self.passwords { try expectVerifies(playbook.file, user, password) }
        #expect(
            lines(try playbook.workspace.text("htpasswd")).map { $0.prefix { $0 != ":" } } == ["alice", "bob", "carol"])
        // The task's arguments (the passwords) never reach the output.
        for (_, password) in Self.passwords { #expect(!firstOutput.stdoutText.contains(password)) }

        let before = try FileIdentity(playbook.file)
        let (second, secondOutput) = try playbook.run()
        #expect(second == .init(changed: 0, failed: 0), "\(secondOutput.stdoutText)")
        #expect(try FileIdentity(playbook.file) == before, "the second run rewrote the file")

        // bob's password changes: --check reports it and writes nothing; the real run changes bob's line only.
        var changed = Self.passwords
        changed[1].1 = "a new password for bob"
        try playbook.setVault(changed)
        let (check, checkOutput) = try playbook.run(["--check"])
        #expect(check == .init(changed: 1, failed: 0), "\(checkOutput.stdoutText)")
        #expect(checkOutput.stdoutText.contains("\"user\": \"bob\""), "\(checkOutput.stdoutText)")
        #expect(try FileIdentity(playbook.file) == before, "--check wrote the file")
        let (third, thirdOutput) = try playbook.run()
        #expect(third == .init(changed: 1, failed: 0), "\(thirdOutput.stdoutText)")
        let old = lines(String(decoding: before.bytes, as: UTF8.self))
        let new = lines(try playbook.workspace.text("htpasswd"))
        #expect(new.count == 3 && new[0] == old[0] && new[2] == old[2] && new[1] != old[1])
        try expectVerifies(playbook.file, "bob", "a new password for bob")

        // A user no longer named goes (htpasswd_exclusive).
        try playbook.setVault(changed)
        let (fourth, fourthOutput) = try playbook.run([
            "-e",
            "{\"htpasswd_users\": [{\"name\": \"alice\", \"password\": \"{{ vault_htpasswd_passwords.alice }}\"}]}",
        ])
        #expect(fourth == .init(changed: 1, failed: 0), "\(fourthOutput.stdoutText)")
        #expect(lines(try playbook.workspace.text("htpasswd")) == [new[0]])
    }

    @Test("A password with a line break is refused before htpass runs, and the file stays as it was")
    func lineBreak() throws {
        let playbook = try Playbook()
        try playbook.setVault(Self.passwords)
        _ = try playbook.run()
        let before = try FileIdentity(playbook.file)
        try playbook.setVault([("alice", "x\nmallory:owned"), ("bob", "b"), ("carol", "c")])
        let (recap, output) = try playbook.run()
        #expect(recap.failed == 1, "\(output.stdoutText)")
        #expect(!output.stdoutText.contains("owned"))
        #expect(try FileIdentity(playbook.file) == before)
    }
}

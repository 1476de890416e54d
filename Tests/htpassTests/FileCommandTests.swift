import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("htpass create")
struct CreateTests {
    @Test("create FILE makes an empty file with mode 0640")
    func createEmpty() throws {
        let sandbox = try Sandbox()
        let output = try htpass(["create", sandbox.path("users")])
        expectSuccess(output)
        #expect(output.stdout.isEmpty)
        #expect(try sandbox.bytes("users") == [])
        #expect(try sandbox.mode("users") == 0o640)
        #expect(try sandbox.listing() == ["users"], "no temporary file left behind")
        if getegid() == 0 {
            // root:root 0640: nginx workers (www-data) cannot read it; htpass must say so.
            let stderr = lines(output.stderrText)
            #expect(
                stderr.count == 1 && stderr[0].hasPrefix("htpass: ") && isWarning(stderr[0]), "\(output.stderrText)")
        }
        expectSuccess(try htpass(["list", sandbox.path("users")]))
    }

    @Test("create FILE USER writes one bcrypt entry that verifies")
    func createWithUser() throws {
        let sandbox = try Sandbox()
        let output = try htpass(["create", sandbox.path("users"), "alice", "--stdin"] + fast, stdin: "alice-pw\n")
        expectSuccess(output)
        #expect(output.stdout.isEmpty)
        let text = try sandbox.text("users")
        #expect(text.hasPrefix("alice:$2y$04$"), "\(text)")
        #expect(text.hasSuffix("\n"))
        #expect(lines(text).count == 1)
        #expect(try sandbox.mode("users") == 0o640)
        try expectVerifies(sandbox.path("users"), "alice", "alice-pw")
        #expect(try verifyStatus(sandbox.path("users"), "alice", "alice-pw\n") == 1)
    }

    @Test("The default algorithm is bcrypt at cost 10")
    func defaultAlgorithm() throws {
        let sandbox = try Sandbox()
        expectSuccess(try htpass(["create", sandbox.path("users"), "alice", "--stdin"], stdin: "alice-pw\n"))
        #expect(try sandbox.text("users").hasPrefix("alice:$2y$10$"))
    }

    @Test("create --force replaces an existing file, keeping its mode")
    func force() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "# old\n" + (try entry("old", "old-pw")) + "\n", mode: 0o604)
        expectSuccess(try htpass(["create", file, "--force", "new", "--stdin"] + fast, stdin: "new-pw\n"))
        let text = try sandbox.text("users")
        #expect(!text.contains("old"), "\(text)")
        #expect(lines(text).count == 1)
        #expect(try sandbox.mode("users") == 0o604)
        try expectVerifies(file, "new", "new-pw")
        #expect(try verifyStatus(file, "old", "old-pw") == 3)
        expectSuccess(try htpass(["create", file, "--force"]))
        #expect(try sandbox.bytes("users") == [])
        #expect(try sandbox.listing() == ["users"])
    }

    @Test("--mode 600 is applied, with a warning that the web server cannot read the file")
    func modeOwnerOnly() throws {
        let sandbox = try Sandbox()
        let output = try htpass(["create", sandbox.path("users"), "--mode", "600"])
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(try sandbox.mode("users") == 0o600)
        let stderr = lines(output.stderrText)
        #expect(stderr.count == 1 && stderr[0].hasPrefix("htpass: "), "\(output.stderrText)")
        // chgrp alone would not help a file the group cannot read: the advice is about the mode.
        #expect(output.stderrText.contains("--mode 640 --group www-data"), "\(output.stderrText)")
        #expect(output.stdout.isEmpty)
    }

    @Test("--mode 644 is applied without a warning", arguments: ["644", "0644"])
    func modeReadable(mode: String) throws {
        let sandbox = try Sandbox()
        let output = try htpass(["create", sandbox.path("users"), "--mode", mode])
        #expect(output.status == 0)
        #expect(try sandbox.mode("users") == mode_t(mode, radix: 8)!)
        #expect(output.stderr.isEmpty, "\(output.stderrText)")
    }

    @Test("The new file's mode does not depend on the umask")
    func umaskIgnored() throws {
        let sandbox = try Sandbox()
        // A shell sets a strict umask, then runs htpass.
        let output = try TestSupport.spawn(
            "/bin/sh",
            ["-c", "umask 077; exec \"$0\" create \"$1\"", TestSupport.htpassBinary, sandbox.path("users")]
                .map { Array($0.utf8) })
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(try sandbox.mode("users") == 0o640)
    }

    @Test("--group gives the new file to a group")
    func group() throws {
        let sandbox = try Sandbox()
        let output = try htpass(["create", sandbox.path("users"), "--group", "nogroup"])
        expectSuccess(output)
        #expect(output.stderr.isEmpty, "the group can read it: no warning; \(output.stderrText)")
        let nogroup = try #require(getgrnam("nogroup"))
        #expect(try sandbox.status("users").st_gid == nogroup.pointee.gr_gid)
        #expect(try sandbox.mode("users") == 0o640)
    }

    @Test("An unknown --group is refused and creates nothing")
    func unknownGroup() throws {
        let sandbox = try Sandbox()
        let output = try htpass(["create", sandbox.path("users"), "--group", "no-such-group-htpass"])
        #expect(output.status != 0)
        #expect(try sandbox.listing() == [])
        #expect(lines(output.stderrText).filter { !isWarning($0) }.count == 1)
    }
}

@Suite("htpass add")
struct AddTests {
    @Test("add appends a user and keeps every other byte")
    func addKeepsLines() throws {
        let sandbox = try Sandbox()
        let alice = try entry("alice", "alice-pw")
        let original = "# managed by hand\n\n" + alice + ":extra:fields\n   \nnot an entry line\n"
        let file = try sandbox.write("users", original, mode: 0o604)
        let output = try htpass(["add", file, "bob", "--stdin"] + fast, stdin: "bob-pw\n")
        expectSuccess(output)
        #expect(output.stdout.isEmpty)
        let text = try sandbox.text("users")
        #expect(text.hasPrefix(original), "\(text)")
        let added = String(text.dropFirst(original.count))
        #expect(added.hasPrefix("bob:$2y$04$") && added.hasSuffix("\n") && lines(added).count == 1, "\(added)")
        #expect(try sandbox.mode("users") == 0o604)
        #expect(try sandbox.listing() == ["users"])
        try expectVerifies(file, "bob", "bob-pw")
        try expectVerifies(file, "alice", "alice-pw")
    }

    @Test("add to a file without a final newline ends the last line first")
    func noFinalNewline() throws {
        let sandbox = try Sandbox()
        let alice = try entry("alice", "alice-pw")
        let file = try sandbox.write("users", alice)
        expectSuccess(try htpass(["add", file, "bob", "--stdin"] + fast, stdin: "bob-pw\n"))
        let text = try sandbox.text("users")
        #expect(text.hasPrefix(alice + "\n"), "\(text)")
        try expectVerifies(file, "alice", "alice-pw")
        try expectVerifies(file, "bob", "bob-pw")
    }

    @Test("add of an existing user changes only that user's line")
    func changePassword() throws {
        let sandbox = try Sandbox()
        let alice = try entry("alice", "alice-pw")
        let bob = try entry("bob", "bob-pw")
        let carol = try entry("carol", "carol-pw")
        let file = try sandbox.write("users", "# team\n\(alice)\n\(bob)\n\(carol)\n")
        expectSuccess(try htpass(["add", file, "bob", "--stdin", "-a", "sha512"], stdin: "new-pw\n"))
        let after = lines(try sandbox.text("users"))
        #expect(after.count == 4)
        #expect(after[0] == "# team")
        #expect(after[1] == alice)
        #expect(after[2].hasPrefix("bob:$6$"), "\(after)")
        #expect(after[3] == carol)
        try expectVerifies(file, "bob", "new-pw")
        #expect(try verifyStatus(file, "bob", "bob-pw") == 1)
    }

    @Test("add --create makes a missing file with mode 0640")
    func addCreate() throws {
        let sandbox = try Sandbox()
        let output = try htpass(["add", sandbox.path("users"), "alice", "--stdin", "--create"] + fast, stdin: "pw-1\n")
        expectSuccess(output)
        #expect(try sandbox.mode("users") == 0o640)
        #expect(lines(try sandbox.text("users")).count == 1)
        expectSuccess(try htpass(["add", sandbox.path("users"), "bob", "--stdin", "--create"] + fast, stdin: "pw-2\n"))
        #expect(lines(try sandbox.text("users")).count == 2, "--create on an existing file just adds")
        try expectVerifies(sandbox.path("users"), "alice", "pw-1")
        try expectVerifies(sandbox.path("users"), "bob", "pw-2")
    }

    @Test("add --create --mode 644 --group nogroup")
    func addCreateModeGroup() throws {
        let sandbox = try Sandbox()
        expectSuccess(
            try htpass(
                ["add", sandbox.path("users"), "alice", "--stdin", "--create", "--mode", "644", "--group", "nogroup"]
                    + fast, stdin: "pw-1\n"))
        #expect(try sandbox.mode("users") == 0o644)
        #expect(try sandbox.status("users").st_gid == 65534)
    }

    @Test("add of a user listed twice leaves one line, with a warning")
    func duplicates() throws {
        let sandbox = try Sandbox()
        let bob1 = try entry("bob", "bob-1")
        let alice = try entry("alice", "alice-pw")
        let bob2 = try entry("bob", "bob-2")
        let file = try sandbox.write("users", "\(bob1)\n\(alice)\n\(bob2)\n")
        let output = try htpass(["add", file, "bob", "--stdin"] + fast, stdin: "bob-3\n")
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(lines(output.stderrText).contains { isWarning($0) && $0.hasPrefix("htpass: ") }, "\(output.stderrText)")
        let after = lines(try sandbox.text("users"))
        #expect(after.filter { $0.hasPrefix("bob:") }.count == 1, "\(after)")
        #expect(after.contains(alice))
        #expect(after.count == 2)
        try expectVerifies(file, "bob", "bob-3")
        #expect(try verifyStatus(file, "bob", "bob-1") == 1)
        #expect(try verifyStatus(file, "bob", "bob-2") == 1)
    }

    @Test("A CRLF file stays CRLF")
    func crlf() throws {
        let sandbox = try Sandbox()
        let alice = try entry("alice", "alice-pw")
        let bob = try entry("bob", "bob-pw")
        let original = "# windows\r\n\(alice)\r\n\(bob)\r\n"
        let file = try sandbox.write("users", original)
        expectSuccess(try htpass(["add", file, "carol", "--stdin"] + fast, stdin: "carol-pw\r\n"))
        var text = try sandbox.text("users")
        #expect(text.hasPrefix(original))
        #expect(text.hasSuffix("\r\n"))
        #expect(text.replacingOccurrences(of: "\r\n", with: "").contains("\n") == false, "\(text.debugDescription)")
        expectSuccess(try htpass(["add", file, "alice", "--stdin"] + fast, stdin: "alice-2\n"))
        text = try sandbox.text("users")
        #expect(text.components(separatedBy: "\r\n").count == 5, "\(text.debugDescription)")
        #expect(text.replacingOccurrences(of: "\r\n", with: "").contains("\n") == false, "\(text.debugDescription)")
        try expectVerifies(file, "alice", "alice-2")
        try expectVerifies(file, "bob", "bob-pw")
        try expectVerifies(file, "carol", "carol-pw")
    }

    @Test("A symbolic link is followed and its target replaced")
    func symlink() throws {
        let sandbox = try Sandbox()
        let target = try sandbox.write("real", try entry("alice", "alice-pw") + "\n", mode: 0o640)
        try FileManager.default.createSymbolicLink(atPath: sandbox.path("link"), withDestinationPath: "real")
        expectSuccess(try htpass(["add", sandbox.path("link"), "bob", "--stdin"] + fast, stdin: "bob-pw\n"))
        #expect(try sandbox.status("link").st_mode & S_IFMT == S_IFLNK)
        #expect(try sandbox.text("real").contains("\nbob:$2y$04$"))
        try expectVerifies(target, "bob", "bob-pw")
        #expect(try sandbox.listing() == ["link", "real"])
    }

    @Test("A weak algorithm works, with a warning", arguments: ["apr1", "sha1", "des"])
    func weakWarning(algorithm: String) throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let output = try htpass(["add", file, "alice", "--stdin", "-a", algorithm], stdin: "pw-pw\n")
        #expect(output.status == 0)
        let stderr = lines(output.stderrText)
        #expect(stderr.count == 1 && stderr[0].hasPrefix("htpass: "), "\(output.stderrText)")
        try expectVerifies(file, "alice", "pw-pw")
    }

    @Test("bcrypt above cost 17 warns that Apache cannot verify it")
    func highCostWarning() throws {
        let output = try htpass(["hash", "--stdin", "--cost", "18"], stdin: "pw\n")
        #expect(output.status == 0)
        #expect(output.stdoutText.hasPrefix("$2y$18$"))
        let stderr = lines(output.stderrText)
        #expect(stderr.count >= 1 && stderr.allSatisfy { $0.hasPrefix("htpass: ") }, "\(output.stderrText)")
    }

    @Test("Strong algorithms print nothing on stderr", arguments: ["bcrypt", "sha512", "sha256"])
    func quiet(algorithm: String) throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "")
        let output = try htpass(["add", file, "alice", "--stdin"] + options(for: algorithm), stdin: "pw-pw\n")
        #expect(output.status == 0)
        #expect(output.stderr.isEmpty, "\(output.stderrText)")
        #expect(output.stdout.isEmpty, "\(output.stdoutText)")
        #expect(try sandbox.text("users").hasPrefix("alice:$"))
        try expectVerifies(file, "alice", "pw-pw")
    }

    @Test("Twenty concurrent adds keep every user")
    func concurrentAdds() async throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "# start\n")
        let statuses = try await withThrowingTaskGroup(of: Int32.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try htpass(["add", file, "user\(index)", "--stdin"] + fast, stdin: "pw-\(index)\n").status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == 0 }, "\(statuses)")
        let after = lines(try sandbox.text("users"))
        #expect(after.first == "# start")
        #expect(Set(after.dropFirst().map { String($0.prefix { $0 != ":" }) }) == Set((0..<20).map { "user\($0)" }))
        #expect(try sandbox.listing() == ["users"])
    }
}

@Suite("htpass delete")
struct DeleteTests {
    @Test("delete removes several users and keeps every other line")
    func deleteSeveral() throws {
        let sandbox = try Sandbox()
        let (alice, bob, carol) = (try entry("alice", "a-pw"), try entry("bob", "b-pw"), try entry("carol", "c-pw"))
        let file = try sandbox.write("users", "# team\r\n\(alice)\n\n\(bob)\r\n\(carol)\n# end", mode: 0o604)
        let output = try htpass(["delete", file, "alice", "carol"])
        expectSuccess(output)
        #expect(output.stdout.isEmpty)
        // Every line ends with a newline after an edit, the last one too (with the file's last ending).
        #expect(try sandbox.text("users") == "# team\r\n\n\(bob)\r\n# end\r\n")
        #expect(try sandbox.mode("users") == 0o604)
        #expect(try sandbox.listing() == ["users"])
        try expectVerifies(file, "bob", "b-pw")
        #expect(try verifyStatus(file, "alice", "a-pw") == 3)
    }

    @Test("delete removes every line of a user listed twice")
    func deleteDuplicates() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write(
            "users", "\(try entry("bob", "1"))\n\(try entry("alice", "a"))\n\(try entry("bob", "2"))\n")
        let output = try htpass(["delete", file, "bob"])
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(lines(try sandbox.text("users")).count == 1)
        #expect(try verifyStatus(file, "bob", "2") == 3)
    }

    @Test("delete --missing-ok skips missing users and deletes the others")
    func missingOK() throws {
        let sandbox = try Sandbox()
        let (alice, bob) = (try entry("alice", "a-pw"), try entry("bob", "b-pw"))
        let file = try sandbox.write("users", "\(alice)\n\(bob)\n")
        expectSuccess(try htpass(["delete", file, "zed", "alice", "--missing-ok"]))
        #expect(try sandbox.text("users") == "\(bob)\n")
        let snapshot = try Snapshot(sandbox)
        expectSuccess(try htpass(["delete", file, "zed", "--missing-ok"]))
        try snapshot.expectUnchanged()
    }

    @Test("add then delete leaves the file byte-identical")
    func addThenDelete() throws {
        let sandbox = try Sandbox()
        let original = "# c\r\n\(try entry("alice", "a-pw"))\r\n\n x:y\nno-colon\n\(try entry("bob", "b-pw"))"
        let file = try sandbox.write("users", original)
        expectSuccess(try htpass(["add", file, "carol", "--stdin"] + fast, stdin: "c-pw"))
        #expect(try sandbox.text("users").contains("carol:$2y$04$"))
        try expectVerifies(file, "carol", "c-pw")
        expectSuccess(try htpass(["delete", file, "carol"]))
        // The last line had no newline; adding after it may have ended it. Everything else is as it was.
        let text = try sandbox.text("users")
        #expect(text == original || text == original + "\r\n" || text == original + "\n", "\(text.debugDescription)")
    }
}

@Suite("htpass list")
struct ListTests {
    static func fixture() throws -> (Sandbox, String) {
        let sandbox = try Sandbox()
        let text =
            [
                "# comment:with colon", try entry("zoe", "z", ["-a", "sha512"]), "",
                try entry("adam", "a", ["-a", "apr1"]),
                try entry("mike", "m"), try entry("jürgen", "j", ["-a", "sha1"]),
                try entry("bea", "b", ["-a", "yescrypt"]),
            ].joined(separator: "\n") + "\n"
        return (sandbox, try sandbox.write("users", text))
    }

    @Test("list prints the users in file order, one per line")
    func plain() throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(["list", file])
        expectSuccess(output)
        #expect(output.stdoutText == "zoe\nadam\nmike\njürgen\nbea\n")
        try snapshot.expectUnchanged()
    }

    @Test("list of an empty file prints nothing")
    func empty() throws {
        let sandbox = try Sandbox()
        let output = try htpass(["list", try sandbox.write("users", "")])
        expectSuccess(output)
        #expect(output.stdout.isEmpty)
    }

    @Test("list --long shows line, user and format under a header")
    func long() throws {
        let (_, file) = try Self.fixture()
        let output = try htpass(["list", file, "--long"])
        expectSuccess(output)
        let rows = lines(output.stdoutText).map { $0.split(separator: " ").map(String.init) }
        #expect(rows.count == 6, "\(output.stdoutText)")
        #expect(rows.first?.first == "LINE", "a header first")
        let expected = [
            ("2", "zoe", "sha512"), ("4", "adam", "apr1"), ("5", "mike", "bcrypt"), ("6", "jürgen", "sha1"),
            ("7", "bea", "yescrypt"),
        ]
        for (row, (line, user, format)) in zip(rows.dropFirst(), expected) {
            #expect(row.count >= 3 && row[0] == line && row[1] == user && row[2] == format, "\(row)")
        }
        #expect(rows.count > 3 && rows[3].contains("cost=4"), "mike's bcrypt cost")
        #expect(rows.count > 2 && rows[2].joined().contains("weak"), "apr1 is flagged weak")
        #expect(!output.stdoutText.contains("$2y$"), "hashes are never printed")
    }

    @Test("list --long reports a malformed line by number")
    func longMalformed() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "\(try entry("alice", "a"))\nno colon here\n")
        let output = try htpass(["list", file, "--long"])
        #expect(output.status == 0)
        let rows = lines(output.stdoutText).map { $0.split(separator: " ").map(String.init) }
        #expect(rows.count == 3)
        #expect(rows.last?.first == "2" && rows.last?.contains("malformed") == true, "\(rows)")
    }

    @Test("list --json is valid JSON with every user in order")
    func json() throws {
        let (_, file) = try Self.fixture()
        let output = try htpass(["list", file, "--json"])
        expectSuccess(output)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout)) as? [String: Any])
        #expect(object["file"] as? String == file)
        let entries = try #require(object["entries"] as? [[String: Any]], "\(output.stdoutText)")
        #expect(entries.compactMap { $0["user"] as? String } == ["zoe", "adam", "mike", "jürgen", "bea"])
        #expect(entries.compactMap { $0["line"] as? Int } == [2, 4, 5, 6, 7])
        #expect(entries.compactMap { $0["format"] as? String } == ["sha512", "apr1", "bcrypt", "sha1", "yescrypt"])
        #expect(entries[2]["cost"] as? Int == 4)
        #expect(entries[0]["rounds"] as? Int == 5000)
        #expect((object["malformed"] as? [Any])?.isEmpty == true)
        #expect(!output.stdoutText.contains("$2y$"), "hashes are never printed")
        // python3's json module accepts it too.
        let python = try TestSupport.spawn(
            try TestSupport.python, ["-c", "import json,sys; json.load(sys.stdin)"].map { Array($0.utf8) },
            stdin: output.stdout)
        #expect(python.status == 0, "\(python.stderrText)")
    }

    @Test("A malformed line is reported by number, and the other users are listed")
    func malformed() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write(
            "users", "\(try entry("alice", "a"))\n# ok\nthis line has no colon\n\(try entry("bob", "b"))\n")
        let output = try htpass(["list", file])
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(output.stdoutText == "alice\nbob\n")
        #expect(output.stderrText.contains("malformed") && output.stderrText.contains("3"), "\(output.stderrText)")
        #expect(lines(output.stderrText).allSatisfy { $0.hasPrefix("htpass: ") })
    }
}

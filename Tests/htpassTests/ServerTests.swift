import Foundation
import TestSupport
import Testing

/// The files htpass writes, read by the programs that consume them: a real nginx, and Apache's htpasswd.
@Suite("Real servers")
struct ServerTests {
    /// One user per algorithm htpass writes, each with its own password; bcrypt at cost 4.
    static func fileForEveryAlgorithm() throws -> (Sandbox, String, [(user: String, password: String)]) {
        let sandbox = try Sandbox()
        let file = sandbox.path("htpasswd")
        expectSuccess(try htpass(["create", file]))
        var users: [(String, String)] = []
        for (name, options) in algorithms {
            let user = "user-\(name)"
            let password = name == "des" ? "dës-pw!" : "pw-\(name)-Ö!"  // DES takes 8 bytes
            let output = try htpass(
                ["add", file, user, "--password-env", "PW"] + options, environment: ["PW": password])
            #expect(output.status == 0, "\(name): \(output.stderrText)")
            users.append((user, password))
        }
        return (sandbox, file, users)
    }

    @Test("nginx accepts every user htpass wrote, and refuses wrong or missing credentials")
    func nginx() throws {
        let (_, file, users) = try Self.fileForEveryAlgorithm()
        try Nginx.with(userFile: file) { (server: Nginx) throws -> Void in
            for (user, password) in users {
                #expect(try server.status(user: user, password: password) == 200, "\(user): \(server.errorLog)")
                #expect(try server.status(user: user, password: "X" + password.dropFirst()) == 401, "\(user)")
                #expect(try server.status(user: user, password: "") == 401, "\(user)")
            }
            #expect(try server.status() == 401)
            #expect(try server.status(user: "nobody", password: "pw-bcrypt-Ö!") == 401)
        }
    }

    @Test("A user deleted with htpass gets 401 on the next request, without a reload; the others keep 200")
    func nginxDelete() throws {
        let (_, file, users) = try Self.fileForEveryAlgorithm()
        try Nginx.with(userFile: file) { (server: Nginx) throws -> Void in
            for (user, password) in users {
                #expect(try server.status(user: user, password: password) == 200, "\(user)")
            }
            expectSuccess(try htpass(["delete", file, "user-sha512", "user-apr1"]))
            for (user, password) in users {
                let expected = ["user-sha512", "user-apr1"].contains(user) ? 401 : 200
                #expect(try server.status(user: user, password: password) == expected, "\(user)")
            }
            // A changed password takes effect at once too.
            expectSuccess(try htpass(["add", file, "user-bcrypt", "--stdin"] + fast, stdin: "changed-pw\n"))
            #expect(try server.status(user: "user-bcrypt", password: "changed-pw") == 200)
            #expect(try server.status(user: "user-bcrypt", password: "pw-bcrypt-Ö!") == 401)
            // And a new user.
            expectSuccess(try htpass(["add", file, "late", "--stdin"] + fast, stdin: "late-pw\n"))
            #expect(try server.status(user: "late", password: "late-pw") == 200)
        }
    }

    @Test("nginx reads a file with comments, CRLF and a generated password")
    func nginxOddFile() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("htpasswd", "# managed by htpass\r\n\r\n", mode: 0o640)
        let generated = try htpass(["add", file, "gen", "--generate"] + fast)
        #expect(generated.status == 0)
        let password = lines(generated.stdoutText).first ?? ""
        expectSuccess(try htpass(["add", file, "Zoë", "--stdin", "-a", "sha256"], stdin: "zoë-pw\r\n"))
        try Nginx.with(userFile: file) { (server: Nginx) throws -> Void in
            #expect(try server.status(user: "gen", password: password) == 200, "\(server.errorLog)")
            #expect(try server.status(user: "Zoë", password: "zoë-pw") == 200)
            #expect(try server.status(user: "Zoë", password: "zoë-pw\r") == 401)
        }
    }

    @Test("Apache's htpasswd -vb accepts every user htpass wrote")
    func apache() throws {
        let (_, file, users) = try Self.fileForEveryAlgorithm()
        for (user, password) in users {
            let right = try TestSupport.run(try TestSupport.locate("htpasswd"), ["-vb", file, user, password])
            #expect(right.status == 0, "\(user): \(right.stderrText)")
            let wrong = try TestSupport.run(
                try TestSupport.locate("htpasswd"), ["-vb", file, user, "X" + password.dropFirst()])
            #expect(wrong.status == 3, "\(user): \(wrong.stderrText)")
        }
    }

    @Test(
        "htpass verifies what Apache's htpasswd writes",
        arguments: [["-B", "-C", "4"], ["-m"], ["-s"], ["-2"], ["-5"], ["-d"]])
    func fromApache(flags: [String]) throws {
        let sandbox = try Sandbox()
        let file = sandbox.path("htpasswd")
        let made = try TestSupport.run(
            try TestSupport.locate("htpasswd"), ["-cb"] + flags + [file, "alice", "pw-1234"])
        try #require(made.status == 0, "\(made.stderrText)")
        try expectVerifies(file, "alice", "pw-1234")
        #expect(try verifyStatus(file, "alice", "pw-1235") == 1)
        // And htpass can edit it, keeping Apache's reading of it.
        expectSuccess(try htpass(["add", file, "bob", "--stdin"] + fast, stdin: "bob-pw"))
        #expect(try TestSupport.run(try TestSupport.locate("htpasswd"), ["-vb", file, "alice", "pw-1234"]).status == 0)
        #expect(try TestSupport.run(try TestSupport.locate("htpasswd"), ["-vb", file, "bob", "bob-pw"]).status == 0)
    }
}

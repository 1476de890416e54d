import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 17: one grammar, and messages that say what was meant. Each message quoted in the issue, with
/// the status and (for edits) the file's bytes.
@Suite("Command-line grammar and messages")
struct CommandLineTests {
    /// The commands, as `htpass --help` lists them.
    static func helpCommands() throws -> [String] {
        let help = try htpass(["--help"])
        let text = lines(help.stdoutText)
        let start = try #require(text.firstIndex(of: "COMMANDS:"))
        return text[(start + 1)...].prefix { !$0.isEmpty }.compactMap { line in
            let words = line.split(separator: " ")
            guard line.hasPrefix("  "), !line.hasPrefix("    "), let first = words.first else { return nil }
            return String(first)
        }
    }

    /// A file with alice (bcrypt, cost 4).
    static func fixture() throws -> (Sandbox, String) {
        let sandbox = try Sandbox()
        return (sandbox, try sandbox.write("users", try entry("alice", "alice-pw") + "\n"))
    }

    @Test("The top-level help starts with the usage, then every command")
    func topLevelHelp() throws {
        let help = try htpass(["--help"])
        #expect(help.status == 0)
        #expect(help.stdoutText.hasPrefix("USAGE: htpass"), "\(help.stdoutText.prefix(200))")
        let commands = try Self.helpCommands()
        for name in [
            "create", "add", "delete", "verify", "list", "hash", "check", "apply", "export", "recover",
            "htpasswd", "completions",
        ] {
            #expect(commands.contains(name), "\(commands)")
        }
        #expect(try htpass(["help"]).stdoutText == help.stdoutText)
        #expect(try htpass(["-h"]).stdoutText == help.stdoutText)
    }

    @Test("Bare htpass: a usage error that names every command of the help")
    func bare() throws {
        let output = try htpass([])
        try expectFailure(output, 2)
        for name in try Self.helpCommands() { #expect(output.stderrText.contains(name), "\(name)") }
    }

    @Test(
        "An unknown command is said so, with the closest one",
        arguments: [
            (["lst", "f"], "list"), (["help", "lst"], "list"), (["ad", "f", "u"], "add"),
            (["chek", "f"], "check"), (["recovr", "f"], "recover"),
        ])
    func unknownCommand(arguments: [String], suggestion: String) throws {
        let output = try htpass(arguments)
        try expectFailure(output, 2)
        #expect(
            output.stderrText.contains("Unknown command '\(arguments.first == "help" ? arguments[1] : arguments[0])'"),
            "\(output.stderrText)")
        #expect(output.stderrText.contains("did you mean '\(suggestion)'?"), "\(output.stderrText)")
    }

    @Test("A command far from any lists the commands")
    func unknownCommandList() throws {
        let output = try htpass(["frobnicate", "f"])
        try expectFailure(output, 2)
        #expect(output.stderrText.contains("the commands are create, add"), "\(output.stderrText)")
    }

    @Test(
        "Options before the command are the command's options",
        arguments: [["--target", "nginx"], ["--target=nginx-alpine"], ["--json"], ["--target", "apache", "--strict"]])
    func optionsBeforeCommand(options: [String]) throws {
        let (_, file) = try Self.fixture()
        let before = try htpass(options + ["check", file])
        let after = try htpass(["check"] + options + [file])
        #expect(before.status == after.status, "\(before.stderrText)")
        #expect(before.stdoutText == after.stdoutText)
        #expect(before.stderrText == after.stderrText)
    }

    @Test("Options before the command of an edit, with a name that is not UTF-8")
    func optionsBeforeEdit() throws {
        let (sandbox, file) = try Self.fixture()
        let output = try htpassBytes(
            [
                Array("--cost".utf8), Array("4".utf8), Array("add".utf8), Array("--stdin".utf8), Array(file.utf8),
                [0xFF],
            ],
            stdin: Array("pw".utf8))
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(try sandbox.bytes("users").contains(0xFF))
    }

    @Test("'-x' where a user was expected: read as an option, and '--' ends options")
    func dashArgument() throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(["add", file, "-x"])
        try expectFailure(output, 2, unchanged: snapshot)
        #expect(output.stderrText.contains("'-x' was read as an option"), "\(output.stderrText)")
        #expect(output.stderrText.contains("put '--' before"), "\(output.stderrText)")
        let unknown = try htpass(["add", "--stdin", file, "alice", "-x"])
        try expectFailure(unknown, 2, unchanged: snapshot)
        #expect(unknown.stderrText.contains("put '--' before it"), "\(unknown.stderrText)")
        let dashed = try htpass(["add", "--stdin", "--cost", "4", file, "--", "-x"], stdin: "pw")
        #expect(dashed.status == 0, "\(dashed.stderrText)")
        #expect(try sandbox.text("users").contains("\n-x:$2y$"))
    }

    @Test(
        "A password on the command line: never; the password sources are named",
        arguments: [["--password", "pw"], ["-p"], ["--password=pw"]])
    func passwordOption(options: [String]) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(["add"] + options + [file, "bob"])
        try expectFailure(output, 2, unchanged: snapshot)
        #expect(output.stderrText.contains("never takes a password on the command line"), "\(output.stderrText)")
        #expect(output.stderrText.contains("--stdin, --password-file PATH, --password-env NAME or --generate"))
    }

    @Test("Apache's flags on add point to 'htpass htpasswd'", arguments: ["-b", "-B", "-bB", "-c"])
    func apacheFlags(flag: String) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(["add", flag, file, "bob", "pw"])
        try expectFailure(output, 2, unchanged: snapshot)
        #expect(output.stderrText.contains("Apache htpasswd's flag"), "\(output.stderrText)")
        #expect(output.stderrText.contains("'htpass htpasswd \(flag) ...'"), "\(output.stderrText)")
        #expect(output.stderrText.contains("--stdin"), "\(output.stderrText)")
    }

    @Test("An option of another command says whose it is")
    func otherCommandsOption() throws {
        let (_, file) = try Self.fixture()
        let output = try htpass(["add", "--jobs", "2", "--stdin", file, "bob"], stdin: "pw")
        try expectFailure(output, 2)
        #expect(
            output.stderrText.contains("Unknown option '--jobs' for 'htpass add'; it is an option of 'htpass apply'"),
            "\(output.stderrText)")
        #expect(!output.stderrText.contains("--cost"), "\(output.stderrText)")
    }

    @Test(
        "A negative number after an option is its value, and the rule on it is said",
        arguments: [
            (
                ["add", "--stdin", "FILE", "bob", "--lock-timeout", "-1"],
                "--lock-timeout must be a number of seconds, 0 or more"
            ),
            (
                ["delete", "--lock-timeout", "-0.5", "FILE", "alice"],
                "--lock-timeout must be a number of seconds, 0 or more"
            ),
            (["hash", "--generate", "--length", "-3"], "--length must be 1 to 4096"),
            (["apply", "--jobs", "-2", "FILE"], "--jobs must be 1 or more"),
        ])
    func negativeValues(arguments: [String], message: String) throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        let output = try htpass(arguments.map { $0 == "FILE" ? file : $0 }, stdin: "pw")
        try expectFailure(output, 2, unchanged: snapshot)
        #expect(output.stderrText.contains(message), "\(output.stderrText)")
        #expect(!output.stderrText.contains("Missing value"), "\(output.stderrText)")
    }

    @Test("A value list is one readable line: 'one of the following: a, b, c'")
    func valueList() throws {
        let output = try htpass(["hash", "--stdin", "-a", "md4"], stdin: "pw")
        try expectFailure(output, 2)
        #expect(output.stderrText.contains("bcrypt, sha512, sha256, yescrypt, apr1, sha1, des"), "\(output.stderrText)")
        #expect(!output.stderrText.contains("; -"), "\(output.stderrText)")
    }

    @Test(
        "Help shows each default once",
        arguments: ["create", "add", "delete", "verify", "list", "hash", "check", "apply", "export", "recover"])
    func defaultsOnce(command: String) throws {
        let help = try htpass([command, "--help"]).stdoutText
        #expect(!help.contains("(default: "), "\(command): \(help)")
    }

    @Test("hash --help and export --help offer only the formats each command prints")
    func formatsInHelp() throws {
        let hash = try htpass(["hash", "--help"]).stdoutText
        #expect(hash.contains("plain, compose, dotenv"), "\(hash)")
        #expect(!hash.contains("values: k8s-secret") && !hash.contains(", k8s-secret"), "\(hash)")
        let export = try htpass(["export", "--help"]).stdoutText.split(whereSeparator: \.isWhitespace).joined(
            separator: " ")
        #expect(export.contains("k8s-secret, compose, dotenv"), "\(export)")
        #expect(!export.contains("plain,"), "\(export)")
        #expect(export.contains("mount its directory"), "\(export)")
        #expect(!export.contains("mount the htpasswd file itself"), "\(export)")
        let refused = try htpass(["hash", "--stdin", "--format", "k8s-secret"], stdin: "pw")
        try expectFailure(refused, 2)
    }

    @Test("hash --format dotenv prints NAME='user:hash'")
    func hashDotenv() throws {
        let plain = try htpass(
            ["hash", "--password-env", "PW", "--format", "dotenv", "-a", "sha1", "alice"],
            environment: ["PW": "pw"])
        #expect(plain.status == 0, "\(plain.stderrText)")
        #expect(plain.stdoutText.hasPrefix("HTPASSWD_USERS='alice:{SHA}"), "\(plain.stdoutText)")
        let named = try htpass(
            ["hash", "--password-env", "PW", "--format", "dotenv", "--name", "AUTH", "-a", "sha1", "alice"],
            environment: ["PW": "pw"])
        #expect(named.stdoutText.hasPrefix("AUTH='alice:{SHA}"), "\(named.stdoutText)")
        try expectFailure(try htpass(["hash", "--stdin", "--name", "AUTH"], stdin: "pw"), 2)
    }

    @Test("A byte order mark before 'alice': verify and add say what is there")
    func byteOrderMark() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("users", "\u{FEFF}" + (try entry("alice", "alice-pw")) + "\n")
        let snapshot = try Snapshot(sandbox)
        let verify = try htpass(["verify", "--stdin", file, "alice"], stdin: "alice-pw")
        try expectFailure(verify, 3, unchanged: snapshot)
        #expect(verify.stderrText.contains("byte order mark"), "\(verify.stderrText)")
        #expect(verify.stderrText.contains("'\\xEF\\xBB\\xBFalice'"), "\(verify.stderrText)")
        let add = try htpass(["add", "--stdin", file, "alice"] + fast, stdin: "alice-pw")
        #expect(add.status == 0)
        #expect(add.stderrText.contains("warning: Added 'alice' at the end, but line 1"), "\(add.stderrText)")
        #expect(add.stderrText.contains("byte order mark"), "\(add.stderrText)")
    }

    @Test("A sha512 password over libxcrypt's limit: the limit is said, not ERANGE")
    func longSHA512Password() throws {
        let (sandbox, file) = try Self.fixture()
        let snapshot = try Snapshot(sandbox)
        let password = String(repeating: "p", count: 6668)
        let output = try htpass(["add", "--stdin", "-a", "sha512", file, "bob"], stdin: password)
        try expectFailure(output, 5, unchanged: snapshot)
        #expect(output.stderrText.contains("at most 511 bytes"), "\(output.stderrText)")
        #expect(!output.stderrText.contains("Numerical result"), "\(output.stderrText)")
    }

    @Test(
        "Reading commands ask for a user who may read the file, not write it",
        arguments: [["list", "FILE"], ["verify", "--stdin", "FILE", "alice"]])
    func readAdvice(arguments: [String]) throws {
        let (sandbox, file) = try Self.fixture()
        chmod(file, 0o600)
        chmod(sandbox.directory, 0o755)
        let output = try htpass(
            arguments.map { $0 == "FILE" ? file : $0 }, stdin: "pw", options: .init(asNobody: true))
        try expectFailure(output, 4)
        #expect(output.stderrText.contains("may read the file"), "\(output.stderrText)")
        #expect(!output.stderrText.contains("may write"), "\(output.stderrText)")
    }

    @Test("htpass htpasswd -v of a user not in the file exits 6, as Apache's does")
    func apacheVerifyUnknownUser() throws {
        let (_, file) = try Self.fixture()
        let output = try htpass(["htpasswd", "-vb", file, "zed", "pw"])
        #expect(output.status == 6, "\(output.stderrText)")
        #expect(output.stderrText.contains("User zed not found"), "\(output.stderrText)")
    }

    @Test("htpass completions prints each shell's script", arguments: ["bash", "zsh", "fish"])
    func completions(shell: String) throws {
        let output = try htpass(["completions", shell])
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(output.stdoutText.contains("htpass") && output.stdoutText.contains("apply"))
        try expectFailure(try htpass(["completions", "tcsh"]), 2)
    }

    @Test("add --json and delete --json print apply's summary object; -q is accepted")
    func jsonSummaries() throws {
        let (sandbox, file) = try Self.fixture()
        let add = try htpass(["add", "--json", "-q", "--stdin", file, "bob"] + fast, stdin: "bob-pw")
        #expect(add.status == 0, "\(add.stderrText)")
        #expect(
            add.stdoutText
                == "{\"file\":\"\(file)\",\"changed\":true,\"added\":[\"bob\"],\"updated\":[],\"removed\":[]}\n")
        let update = try htpass(["add", "--json", "--stdin", file, "bob"] + fast, stdin: "bob-pw2")
        #expect(update.stdoutText.contains("\"updated\":[{\"user\":\"bob\",\"reason\":\"password\"}]"))
        let delete = try htpass(["delete", "--json", "--missing-ok", file, "bob", "zed"])
        #expect(delete.status == 0, "\(delete.stderrText)")
        #expect(
            delete.stdoutText
                == "{\"file\":\"\(file)\",\"changed\":true,\"added\":[],\"updated\":[],\"removed\":[\"bob\"],\"missing\":[\"zed\"]}\n"
        )
        let both = try htpass(["add", "--json", "--generate", file, "carol"])
        try expectFailure(both, 2)
        #expect(!(try sandbox.text("users")).contains("carol"))
    }

    @Test("check names the directory that blocks the workers, with a complete command")
    func checkBlockingDirectory() throws {
        try #require(geteuid() == 0, "giving a file to gid 33 needs root")
        let sandbox = try Sandbox()
        let file = try sandbox.write("htpasswd", try entry("alice", "alice-pw") + "\n", mode: 0o640)
        #expect(chown(file, 0, 33) == 0)
        chmod(sandbox.directory, 0o700)
        let blocked = try htpass(["check", file, "--target", "nginx"])
        #expect(blocked.status == 1)
        let line = try #require(lines(blocked.stdoutText).first { $0.hasSuffix("[not-readable-by-worker]") })
        #expect(line.contains("'\(sandbox.directory)' stops www-data"), "\(line)")
        #expect(line.contains("run 'chmod o+x \(sandbox.directory)'"), "\(line)")
        #expect(line.contains("'chgrp www-data \(sandbox.directory) && chmod g+x \(sandbox.directory)'"), "\(line)")
        #expect(!line.contains("chgrp www-data'"), "\(line)")
        // The directory lets them through; the file is the problem: the command names it.
        chmod(sandbox.directory, 0o755)
        chmod(file, 0o600)
        let unreadable = try htpass(["check", file, "--target", "nginx"])
        let fileLine = try #require(lines(unreadable.stdoutText).first { $0.hasSuffix("[not-readable-by-worker]") })
        #expect(fileLine.contains("run 'chgrp www-data \(file) && chmod g+r \(file)'"), "\(fileLine)")
        #expect(!fileLine.contains("stops"), "\(fileLine)")
    }

    @Test("'-' as FILE: list, check, verify and export read the file from standard input, and leave nothing behind")
    func standardInputFile() throws {
        let sandbox = try Sandbox()
        let content = try entry("alice", "alice-pw") + "\n" + (try entry("bob", "bob-pw")) + "\n"
        let temporary = sandbox.path("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: false)
        let environment: [String: String?] = ["TMPDIR": temporary, "PW": "bob-pw"]
        let list = try htpass(["list", "-"], stdin: content, environment: environment)
        #expect(list.status == 0 && list.stdoutText == "alice\nbob\n", "\(list.stderrText)")
        let check = try htpass(
            ["check", "-", "--target", "apache"], stdin: content + "carol:{SSHA}abc\n", environment: environment)
        #expect(check.status == 1, "\(check.stdoutText)")
        #expect(check.stdoutText.contains("\n-:3: error: "), "\(check.stdoutText)")
        #expect(!check.stdoutText.contains("not-readable-by-worker"), "\(check.stdoutText)")
        let verify = try htpass(
            ["verify", "--password-env", "PW", "-", "bob"], stdin: content, environment: environment)
        #expect(verify.status == 0, "\(verify.stderrText)")
        let wrong = try htpass(
            ["verify", "--password-env", "PW", "-", "alice"], stdin: content, environment: environment)
        #expect(wrong.status == 1, "\(wrong.stderrText)")
        let export = try htpass(["export", "-", "--format", "compose"], stdin: content, environment: environment)
        #expect(export.status == 0 && export.stdoutText.hasPrefix("alice:$$2y$$"), "\(export.stderrText)")
        let both = try htpass(["verify", "--stdin", "-", "alice"], stdin: content, environment: environment)
        try expectFailure(both, 2)
        #expect(both.stderrText.contains("--password-env"), "\(both.stderrText)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty)
    }

    @Test("The man page: no warning from man, the real exit statuses, ENVIRONMENT, FILES, SEE ALSO, every command")
    func manPage() throws {
        let page = TestSupport.packageRoot + "/Docs/htpass.1"
        let man = try TestSupport.run(try TestSupport.locate("man"), ["-l", page], environment: ["MANWIDTH": "200"])
        #expect(man.status == 0)
        #expect(man.stderr.isEmpty, "\(man.stderrText)")
        let text = man.stdoutText
        for section in ["EXIT STATUS", "ENVIRONMENT", "FILES", "SEE ALSO"] {
            #expect(text.contains("\n" + section + "\n"), "\(section)")
        }
        #expect(!text.contains("exits 0 on success"))
        #expect(text.contains("no such user (verify, delete without --missing-ok)"))
        for variable in ["HTPASS_TARGET", "HTPASS_WRITE_MODE", "HTPASS_SIMD", "HTPASS_QUIET_ARGV"] {
            #expect(text.contains(variable), "\(variable)")
        }
        for name in try Self.helpCommands() where name != "serve" {
            #expect(text.contains("htpass " + name), "\(name)")
        }
    }

    @Test(
        "The completion scripts in Docs are the ones htpass prints",
        arguments: [("bash", "htpass.bash"), ("zsh", "_htpass"), ("fish", "htpass.fish")])
    func completionFiles(shell: String, file: String) throws {
        let printed = try htpass(["completions", shell]).stdoutText
        let committed = String(
            decoding: try TestSupport.readBytes(TestSupport.packageRoot + "/Docs/completions/" + file), as: UTF8.self)
        #expect(printed == committed, "run 'make completions'")
    }
}

import Foundation
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The ways in: a hard link, the `-b` warning, help, and the documentation of the deviations.
@Suite("htpass htpasswd: the interface around the differential corpus")
struct InterfaceTests {
    @Test("A hard link named htpasswd is the Apache interface too, byte for byte on deterministic output")
    func hardLink() throws {
        let programs = try Runner.Programs()
        let directory = try TestSupport.temporaryDirectory("htpass-apache-hardlink")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let link = directory + "/htpasswd"
        guard Glibc.link(programs.htpass, link) == 0 else {
            // Another file system: a copy has the same name, which is what matters.
            try FileManager.default.copyItem(atPath: programs.htpass, toPath: link)
            return try hardLink(link, programs)
        }
        try hardLink(link, programs)
    }

    private func hardLink(_ link: String, _ programs: Runner.Programs) throws {
        let ours = try TestSupport.run(link, ["-nbs", "u", "p w"], environment: ["HTPASS_QUIET_ARGV": "1"])
        let apache = try TestSupport.run(programs.apache, ["-nbs", "u", "p w"])
        #expect(ours.status == 0)
        #expect(ours.stdout == apache.stdout)
        #expect(ours.stdoutText == "u:{SHA}w7KRnu3KEsxyIfWz5vwrVLq0y4k=\n\n")
        #expect(ours.stderr.isEmpty)
    }

    @Test("A guide's htpasswd lines, run by the link, protect a real nginx: -c, add, rotate, -D")
    func guideLinesWithNginx() throws {
        let programs = try Runner.Programs()
        let directory = try TestSupport.temporaryDirectory("htpass-apache-nginx")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/htpasswd"
        let quiet: [String: String?] = ["HTPASS_QUIET_ARGV": "1"]
        #expect(
            try TestSupport.run(programs.link, ["-bcB", file, "alice", "alice pw"], environment: quiet).status == 0)
        #expect(try TestSupport.run(programs.link, ["-i", file, "bob"], stdin: Array("bob-pw\n".utf8)).status == 0)
        var info = stat()
        #expect(stat(file, &info) == 0 && info.st_mode & 0o777 == 0o666 & ~mode_t(umaskValue()))
        try Nginx.with(userFile: file) { (server: Nginx) throws -> Void in
            #expect(try server.status(user: "alice", password: "alice pw") == 200, "\(server.errorLog)")
            #expect(try server.status(user: "bob", password: "bob-pw") == 200)
            #expect(try server.status(user: "bob", password: "bob-pw\n") == 401)
            #expect(try TestSupport.run(programs.link, ["-b", file, "alice", "new"], environment: quiet).status == 0)
            #expect(try server.status(user: "alice", password: "alice pw") == 401)
            #expect(try server.status(user: "alice", password: "new") == 200)
            #expect(try TestSupport.run(programs.link, ["-D", file, "bob"]).status == 0)
            #expect(try server.status(user: "bob", password: "bob-pw") == 401)
            #expect(try server.status(user: "alice", password: "new") == 200)
        }
    }

    /// The umask, read from /proc: setting it to read it would race with the other tests' files.
    private func umaskValue() -> mode_t {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Umask:") } ?? "Umask: 0022"
        return mode_t(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8) ?? 0o022
    }

    @Test("Parallel -b runs on one file keep every user (Apache's htpasswd, unlocked, loses most of them)")
    func parallelEdits() throws {
        let programs = try Runner.Programs()
        let directory = try TestSupport.temporaryDirectory("htpass-apache-parallel")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/f"
        try TestSupport.writeBytes(Array("keep:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\n".utf8), to: file)
        let count = 24
        let statuses = Mutex([Int32](repeating: -1, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let output = try? TestSupport.run(
                programs.link, ["-bB", "-C", "4", file, "user\(index)", "pw\(index)"],
                environment: ["HTPASS_QUIET_ARGV": "1"])
            statuses.withLock { $0[index] = output?.status ?? -1 }
        }
        #expect(statuses.withLock { $0 } == [Int32](repeating: 0, count: count))
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == count + 1)
        #expect(lines.first == "keep:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=")
        for index in 0..<count {
            #expect(lines.contains { $0.hasPrefix("user\(index):$2y$04$") }, "user\(index) was lost")
        }
    }

    @Test("-b prints one warning line, which HTPASS_QUIET_ARGV=1 (and only 1) hides; -i prints none")
    func argumentWarning() throws {
        let programs = try Runner.Programs()
        let warned = try TestSupport.run(programs.link, ["-nbm", "u", "pw"], environment: ["HTPASS_QUIET_ARGV": nil])
        #expect(warned.status == 0)
        #expect(warned.stderrText.split(separator: "\n").count == 1)
        #expect(warned.stderrText.contains("warning: -b puts the password on the command line"))
        let quiet = try TestSupport.run(programs.link, ["-nbm", "u", "pw"], environment: ["HTPASS_QUIET_ARGV": "1"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
        let other = try TestSupport.run(programs.link, ["-nbm", "u", "pw"], environment: ["HTPASS_QUIET_ARGV": "yes"])
        #expect(other.stderrText.contains("warning: -b"))
        let standardInput = try TestSupport.run(
            programs.link, ["-nim", "u"], stdin: Array("pw".utf8), environment: ["HTPASS_QUIET_ARGV": nil])
        #expect(standardInput.status == 0 && standardInput.stderr.isEmpty)
    }

    @Test("htpass --help lists htpasswd, and 'htpass help htpasswd' describes the interface")
    func help() throws {
        let programs = try Runner.Programs()
        let root = try TestSupport.run(programs.htpass, ["--help"])
        #expect(root.status == 0)
        #expect(root.stdoutText.contains("htpasswd") && root.stdoutText.contains("Apache htpasswd's command line"))
        let command = try TestSupport.run(programs.htpass, ["help", "htpasswd"])
        #expect(command.status == 0)
        for text in ["-Bbn", "HTPASS_QUIET_ARGV", "WITH_HTPASSWD_LINK", "Docs/apache-compat.md"] {
            #expect(command.stdoutText.contains(text), "\(text) missing from 'htpass help htpasswd'")
        }
    }

    @Test("The deviations in the test data are the ones in Docs/apache-compat.md, with the same statuses")
    func documented() throws {
        let document = try String(contentsOfFile: TestSupport.packageRoot + "/Docs/apache-compat.md", encoding: .utf8)
        // Rows of the table under "## Deviations": | `id` | Apache | htpass | status |
        var documented: [String: String] = [:]
        let section = document.components(separatedBy: "\n## Deviations\n").dropFirst().first ?? ""
        let table = section.components(separatedBy: "\n## ").first ?? ""
        for line in table.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count >= 5 else { continue }
            documented[cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[4]
        }
        for deviation in Deviation.all {
            let status = documented[deviation.id]
            #expect(status != nil, "Docs/apache-compat.md has no row for \(deviation.id)")
            if let code = deviation.status, let status {
                #expect(status.hasPrefix("\(code)"), "\(deviation.id): documented status \(status), data \(code)")
            }
        }
        #expect(Set(documented.keys) == Set(Deviation.all.map(\.id)))
    }
}

/// The comparison itself: differences it must see.
@Suite("htpass htpasswd: the differential comparison")
struct ComparisonTests {
    private func result(status: Int32 = 0, stdout: String = "", stderr: String = "", file: String? = nil)
        -> Runner.Result
    {
        Runner.Result(
            status: status, stdout: Array(stdout.utf8), stderr: Array(stderr.utf8), file: file.map { Array($0.utf8) },
            mode: file == nil ? nil : 0o644, otherNames: [])
    }

    private func compare(_ testCase: Case, _ apache: Runner.Result, _ ours: Runner.Result) throws -> [String] {
        try Comparison(testCase: testCase, checker: HashChecker(programs: try Runner.Programs())).differences(
            apache, ours)
    }

    @Test("Statuses, messages, untouched lines and stored passwords are compared")
    func seesDifferences() throws {
        let added = "Adding password for user zed\n"
        let start = "alice:x\n"
        let testCase = Case(["-b", "f", "zed", "pw"]).stores("zed", "pw")
        let good = "zed:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\n"  // "pw"
        let apache = result(stderr: added, file: start + good)
        #expect(try compare(testCase, apache, result(stderr: added, file: start + good)).isEmpty)
        #expect(try !compare(testCase, apache, result(status: 1, stderr: added, file: start + good)).isEmpty)
        #expect(
            try !compare(testCase, apache, result(stderr: "Updating password for user zed\n", file: start + good))
                .isEmpty)
        #expect(try !compare(testCase, apache, result(stderr: added, file: "alice:y\n" + good)).isEmpty)
        #expect(try !compare(testCase, apache, result(stderr: added, file: "alice:x\r\n" + good)).isEmpty)
        #expect(try !compare(testCase, apache, result(stderr: added, file: start)).isEmpty)
        // Same format, another password: both tools must reject it.
        let other = "zed:$apr1$abcdefgh$" + "Aaaaaaaaaaaaaaaaaaaaaa" + "\n"
        let salted = "zed:$apr1$qJ66Ym7K$Qo9BgAROZzThDbM5vW9TM0\n"  // alice-pw
        #expect(
            try !compare(
                testCase, result(stderr: added, file: start + other), result(stderr: added, file: start + salted)
            ).isEmpty)
        // A user the case does not name may not change.
        let unnamed = Case(["-b", "f", "zed", "pw"])
        #expect(try !compare(unnamed, result(file: start + good), result(file: start + salted)).isEmpty)
    }

    @Test("Message kinds: Apache's repeated verbs, prompts, and htpass's -b warning")
    func kinds() {
        let apache = MessageKinds.classify(
            Array("New password: Re-type new password: Updating Updating password for user a\n".utf8))
        #expect(apache.kinds == ["prompt-new", "prompt-retype", "updated"])
        let ours = MessageKinds.classify(
            Array(
                "x/htpasswd: warning: -b puts the password on the command line, ...\nUpdating password for user a\n"
                    .utf8))
        #expect(ours.kinds == ["updated"] && ours.argumentWarning)
        #expect(
            MessageKinds.classify(Array("htpasswd: something new\n".utf8)).kinds == ["unknown: htpasswd: something new"]
        )
    }
}

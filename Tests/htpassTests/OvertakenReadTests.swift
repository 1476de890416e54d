import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Readers that an in-place write overtakes: `verify` (the library's Authenticator) reads the file again
/// and answers from the new content, `list` warns that its output may mix old and new lines. The write
/// lands in a pause strace puts into one `read` of the file.
@Suite("Reads overtaken by an in-place write (strace)")
struct OvertakenReadTests {
    /// `alice` with the password "old-pw" ({SHA}), then `bob`.
    static let old = Array(
        "alice:{SHA}\(sha1("old-pw"))\nbob:{SHA}\(sha1("bob-pw"))\n".utf8)
    /// `alice` with "new-pw": the same length, as an in-place write changing one hash leaves it.
    static let new = Array(
        "alice:{SHA}\(sha1("new-pw"))\nbob:{SHA}\(sha1("bob-pw"))\n".utf8)

    static func sha1(_ password: String) -> String {
        let hashed = try? TestSupport.spawn(
            try TestSupport.locate("htpasswd"), ["-nbs", "u", password].map { Array($0.utf8) })
        let line = hashed.map { String(decoding: $0.stdout, as: UTF8.self) } ?? ""
        return String(line.split(separator: "}").last?.prefix(28) ?? "")
    }

    /// Runs htpass with `arguments` under strace, the `read` number `when` on `file` paused for 1.5 s; in
    /// that pause, overwrites `file` with `content` in place.
    static func overtaken(_ arguments: [String], _ file: String, when: Int, content: [UInt8]) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let directory = try TestSupport.temporaryDirectory("htpass-overtaken-out")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestSupport.locate("strace"))
        process.arguments =
            [
                "-qq", "-o", "/dev/null", "-P", file, "-e", "trace=read", "-e",
                "inject=read:delay_enter=1500000:when=\(when)", TestSupport.htpassBinary,
            ] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["PW": "new-pw"]) { $1 }
        for name in ["out", "err"] { _ = FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: nil) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/err"))
        process.standardOutput = out
        process.standardError = err
        try process.run()
        usleep(500_000)
        let fd = open(file, O_WRONLY)
        try #require(fd >= 0)
        let written = content.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        close(fd)
        #expect(written == content.count)
        process.waitUntilExit()
        try out.close()
        try err.close()
        return (
            process.terminationStatus, String(decoding: try TestSupport.readBytes("\(directory)/out"), as: UTF8.self),
            String(decoding: try TestSupport.readBytes("\(directory)/err"), as: UTF8.self)
        )
    }

    static func prepare(_ label: String) throws -> String {
        let file = try TestSupport.temporaryDirectory(label) + "/users"
        try TestSupport.writeBytes(old, to: file)
        return file
    }

    @Test("verify overtaken after reading the old file reads again: the new password is accepted")
    func verifyReadsAgain() throws {
        try #require(Self.old.count == Self.new.count && Self.old != Self.new)
        let file = try Self.prepare("htpass-overtaken-verify")
        // Read 1 returns the whole old file; read 2 (end of file) is paused while alice's hash changes.
        let result = try Self.overtaken(
            ["verify", file, "alice", "--password-env", "PW"], file, when: 2, content: Self.new)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try TestSupport.readBytes(file) == Self.new)
    }

    @Test("check overtaken between its passes reports changed-during-check; a settled check does not")
    func checkReports() throws {
        let file = try Self.prepare("htpass-overtaken-check")
        // Reads 1-2 are the first pass (duplicates): its end of file is paused while alice's hash changes.
        let result = try Self.overtaken(["check", file], file, when: 2, content: Self.new)
        // 1: the test's private directory is not readable by the web server's workers, an error.
        #expect(result.status == 1 && result.stderr.isEmpty, "\(result.stderr)")
        #expect(result.stdout.contains("warning: The file was edited while it was checked"), "\(result.stdout)")
        #expect(result.stdout.contains("[changed-during-check]"), "\(result.stdout)")

        let settled = try TestSupport.spawn(TestSupport.htpassBinary, ["check", file].map { Array($0.utf8) })
        #expect(!settled.stdoutText.contains("changed-during-check"), "\(settled.stdoutText)")
    }

    @Test("list overtaken while printing warns that its output may mix old and new lines; a settled list does not")
    func listWarns() throws {
        let file = try Self.prepare("htpass-overtaken-list")
        let longer = Self.old + Array("carol:{SHA}\(Self.sha1("carol-pw"))\n".utf8)
        // Reads 1-2 are the first pass (duplicates), 3-4 the second, which prints: pause its end of file.
        let result = try Self.overtaken(["list", file], file, when: 4, content: longer)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("was edited while it was listed"), "\(result.stderr)")
        #expect(result.stdout.hasPrefix("alice\nbob\n"), "\(result.stdout)")

        let settled = try TestSupport.spawn(TestSupport.htpassBinary, ["list", file].map { Array($0.utf8) })
        #expect(settled.status == 0 && settled.stderrText.isEmpty, "\(settled.stderrText)")
        #expect(settled.stdoutText == "alice\nbob\ncarol\n")
    }
}

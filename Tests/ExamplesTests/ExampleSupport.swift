import Foundation
import TestSupport
import Testing

/// A directory of its own for one test, with a copy of an example when asked.
struct Workspace {
    let directory: String

    init(copying example: String? = nil) throws {
        directory = try TestSupport.temporaryDirectory("htpass-example")
        if let example {
            let source = TestSupport.packageRoot + "/examples/" + example
            let copy = try TestSupport.run("/bin/cp", ["-R", source + "/.", directory])
            try #require(copy.status == 0, "cp \(source): \(copy.stderrText)")
        }
    }

    func path(_ name: String) -> String { directory + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try TestSupport.writeBytes(Array(text.utf8), to: path(name))
        return path(name)
    }

    func text(_ name: String) throws -> String {
        String(decoding: try TestSupport.readBytes(path(name)), as: UTF8.self)
    }
}

/// `PATH` with the directory of the htpass binary under test first, as a pipeline finds `htpass`.
var pathWithHtpass: String {
    let binary = TestSupport.htpassBinary
    let directory = URL(fileURLWithPath: binary).deletingLastPathComponent().path
    return directory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
}

/// The inode, modification time and bytes of `path`, to tell a rewrite from no write at all.
struct FileIdentity: Equatable {
    var inode: UInt
    var modified: [Int]
    var bytes: [UInt8]

    init(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw POSIXError(.ENOENT) }
        inode = UInt(info.st_ino)
        modified = [info.st_mtim.tv_sec, info.st_mtim.tv_nsec]
        bytes = try TestSupport.readBytes(path)
    }
}

/// Lines of `text` without their terminators; no empty last element for a final newline.
func lines(_ text: String) -> [String] {
    var result = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if result.last == "" { result.removeLast() }
    return result
}

/// Whether `password` verifies for `user` in `file`, by `htpass verify` and by Apache's `htpasswd -v`.
func expectVerifies(
    _ file: String, _ user: String, _ password: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let htpass = try TestSupport.htpass(
        ["verify", file, user, "--password-env", "PW"], environment: ["PW": password])
    #expect(htpass.status == 0, "htpass verify \(user): \(htpass.stderrText)", sourceLocation: sourceLocation)
    let wrong = try TestSupport.htpass(
        ["verify", file, user, "--password-env", "PW"], environment: ["PW": password + "x"])
    #expect(wrong.status == 1, "htpass verify \(user) with a wrong password", sourceLocation: sourceLocation)
    // htpasswd -i reads the password from standard input (one line).
    let apache = try TestSupport.run(
        try TestSupport.locate("htpasswd"), ["-v", "-i", file, user], stdin: Array(password.utf8))
    #expect(apache.status == 0, "htpasswd -v \(user): \(apache.stderrText)", sourceLocation: sourceLocation)
}

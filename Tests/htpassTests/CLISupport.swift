import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the `htpass` binary under test, in a new session (no controlling terminal), and waits for it.
@discardableResult
func htpass(
    _ arguments: [String], stdin: String = "", environment: [String: String?] = [:],
    options: TestSupport.SpawnOptions = .init()
) throws -> TestSupport.Output {
    try htpassBytes(
        arguments.map { Array($0.utf8) }, stdin: Array(stdin.utf8), environment: environment, options: options)
}

/// Runs `htpass` with arguments given as raw bytes (for user names that are not valid UTF-8).
@discardableResult
func htpassBytes(
    _ arguments: [[UInt8]], stdin: [UInt8] = [], environment: [String: String?] = [:],
    options: TestSupport.SpawnOptions = .init()
) throws -> TestSupport.Output {
    let binary = TestSupport.htpassBinary
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        throw MissingBinary(path: binary)
    }
    return try TestSupport.spawn(binary, arguments, stdin: stdin, environment: environment, options: options)
}

struct MissingBinary: Error, CustomStringConvertible {
    var path: String
    var description: String { "no htpass binary at \(path): run 'swift build', or set HTPASS_BIN" }
}

/// A temporary directory of its own for one test.
struct Sandbox {
    let directory: String

    init() throws {
        directory = try TestSupport.temporaryDirectory("htpass-cli")
    }

    func path(_ name: String) -> String { directory + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String, mode: mode_t? = nil) throws -> String {
        try write(name, bytes: Array(text.utf8), mode: mode)
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8], mode: mode_t? = nil) throws -> String {
        let path = path(name)
        try TestSupport.writeBytes(bytes, to: path)
        if let mode { chmod(path, mode) }
        return path
    }

    func bytes(_ name: String) throws -> [UInt8] { try TestSupport.readBytes(path(name)) }
    func text(_ name: String) throws -> String { String(decoding: try bytes(name), as: UTF8.self) }

    /// The names in the directory, sorted.
    func listing() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    /// The permission bits, owner and group of `name`.
    func status(_ name: String) throws -> stat {
        var info = stat()
        guard lstat(path(name), &info) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        return info
    }

    func mode(_ name: String) throws -> mode_t { try status(name).st_mode & 0o7777 }
}

/// Lines of `text` without their terminators; no empty last element for a final newline.
func lines(_ text: String) -> [String] {
    var result = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if result.last == "" { result.removeLast() }
    return result
}

/// A stderr line that is a warning or a note (`htpass: note: ...`) rather than the error.
func isWarning(_ line: String) -> Bool { line.lowercased().contains("warning") || line.hasPrefix("htpass: note: ") }

/// The failure contract: `expected` status, nothing on stdout, exactly one error line on stderr starting
/// `htpass: ` (warnings aside), and every file in `sandbox` byte-for-byte as before, none added or removed.
func expectFailure(
    _ output: TestSupport.Output, _ expected: Int32, unchanged snapshot: Snapshot? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(
        output.status == expected, "exit status \(output.status), stderr: \(output.stderrText.debugDescription)",
        sourceLocation: sourceLocation)
    #expect(output.stdout.isEmpty, "stdout: \(output.stdoutText.debugDescription)", sourceLocation: sourceLocation)
    let errorLines = lines(output.stderrText).filter { !isWarning($0) }
    #expect(
        errorLines.count == 1, "expected one error line, stderr: \(output.stderrText.debugDescription)",
        sourceLocation: sourceLocation)
    #expect(
        errorLines.first?.hasPrefix("htpass: ") == true, "stderr: \(output.stderrText.debugDescription)",
        sourceLocation: sourceLocation)
    #expect(
        output.stderrText.hasSuffix("\n"), "stderr: \(output.stderrText.debugDescription)",
        sourceLocation: sourceLocation)
    if let snapshot { try snapshot.expectUnchanged(sourceLocation: sourceLocation) }
}

/// `status` 0 and nothing but warnings on stderr.
func expectSuccess(_ output: TestSupport.Output, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(
        output.status == 0, "exit status \(output.status), stderr: \(output.stderrText.debugDescription)",
        sourceLocation: sourceLocation)
    let errorLines = lines(output.stderrText).filter { !isWarning($0) }
    #expect(errorLines.isEmpty, "stderr: \(output.stderrText.debugDescription)", sourceLocation: sourceLocation)
}

/// The names and bytes of every file in a sandbox, to check that a failed run changed nothing.
struct Snapshot {
    let sandbox: Sandbox
    let files: [String: [UInt8]]
    let modes: [String: mode_t]

    init(_ sandbox: Sandbox) throws {
        self.sandbox = sandbox
        var files: [String: [UInt8]] = [:]
        var modes: [String: mode_t] = [:]
        for name in try sandbox.listing() {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: sandbox.path(name), isDirectory: &isDirectory)
            files[name] = isDirectory.boolValue ? [] : try sandbox.bytes(name)
            modes[name] = try sandbox.mode(name)
        }
        self.files = files
        self.modes = modes
    }

    func expectUnchanged(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let now = try Snapshot(sandbox)
        #expect(
            now.files.keys.sorted() == files.keys.sorted(), "files in the directory", sourceLocation: sourceLocation)
        for (name, bytes) in files {
            #expect(
                now.files[name] == bytes,
                "\(name) changed: \(String(decoding: now.files[name] ?? [], as: UTF8.self).debugDescription)",
                sourceLocation: sourceLocation)
            #expect(now.modes[name] == modes[name], "\(name) mode changed", sourceLocation: sourceLocation)
        }
    }
}

/// Hashes `password` for `user` with htpass (bcrypt at cost 4 unless told) and returns the `user:hash` line.
func entry(_ user: String, _ password: String, _ extra: [String] = ["-a", "bcrypt", "--cost", "4"]) throws -> String {
    let output = try htpass(["hash", user, "--password-env", "PW"] + extra, environment: ["PW": password])
    #expect(output.status == 0, "hash failed: \(output.stderrText)")
    let line = output.stdoutText.trimmingCharacters(in: .newlines)
    return line
}

/// The exit status of `htpass verify FILE USER` with `password`.
func verifyStatus(_ file: String, _ user: String, _ password: String) throws -> Int32 {
    try htpass(["verify", file, user, "--password-env", "PW"], environment: ["PW": password]).status
}

/// `password` verifies for `user` (status 0) and a password differing in its first byte does not (status 1).
func expectVerifies(
    _ file: String, _ user: String, _ password: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let right = try htpass(
        ["verify", file, user, "--password-env", "PW", "--allow-empty"], environment: ["PW": password])
    #expect(
        right.status == 0, "verify \(user) \(password.debugDescription): \(right.status) \(right.stderrText)",
        sourceLocation: sourceLocation)
    let wrong = password.isEmpty ? "x" : (password.hasPrefix("X") ? "Y" : "X") + password.dropFirst()
    #expect(
        try verifyStatus(file, user, wrong) == 1, "verify \(user) with a wrong password", sourceLocation: sourceLocation
    )
}

/// Fast bcrypt, where the cost does not matter.
let fast = ["--cost", "4"]

/// Every algorithm htpass writes, with options that keep it quick.
let algorithms: [(name: String, options: [String])] = [
    ("bcrypt", ["-a", "bcrypt", "--cost", "4"]),
    ("sha512", ["-a", "sha512"]),
    ("sha256", ["-a", "sha256"]),
    ("yescrypt", ["-a", "yescrypt"]),
    ("apr1", ["-a", "apr1"]),
    ("sha1", ["-a", "sha1"]),
    ("des", ["-a", "des"]),
]
let algorithmNames = algorithms.map(\.name)
func options(for algorithm: String) -> [String] { algorithms.first { $0.name == algorithm }!.options }

import Foundation

/// Helpers shared by the test targets: running real programs, temporary directories, fixtures.
public enum TestSupport {
    /// The package's root directory, found from this file's path.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `Tests/Fixtures`.
    public static let fixtures = packageRoot + "/Tests/Fixtures"

    /// The `htpass` binary under test: `$HTPASS_BIN`, else the one built next to the running tests
    /// (any scratch path), else the debug build in `.build`.
    public static var htpassBinary: String {
        if let path = ProcessInfo.processInfo.environment["HTPASS_BIN"], !path.isEmpty { return path }
        if let path = productNextToTests("htpass") { return path }
        return packageRoot + "/.build/debug/htpass"
    }

    /// The test suite's own `python3`: `.venv-test/bin/python3`, a virtual environment with pinned passlib and
    /// bcrypt made by `scripts/test-venv.sh` (which `make test` runs), so that what the system's python3 has
    /// installed cannot change a test's result. Every test that runs Python runs this one.
    ///
    /// - Throws: ``MissingTestPython`` when the environment has not been made; never skips.
    public static var python: String {
        get throws {
            let path = packageRoot + "/.venv-test/bin/python3"
            guard FileManager.default.isExecutableFile(atPath: path) else { throw MissingTestPython(path: path) }
            return path
        }
    }

    public struct MissingTestPython: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "\(path) is missing: the tests' Python environment is not made; run scripts/test-venv.sh (make test does)"
        }
    }

    /// The result of a finished process.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: [UInt8]
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    public struct MissingProgram: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "\(name) is not installed; run 'make test', which installs it" }
    }

    /// Runs `program` with `arguments`, feeding `stdin`, and waits for it.
    ///
    /// - Parameter environment: Variables added to (or, with a nil value, removed from) this process's.
    @discardableResult
    public static func run(
        _ program: String, _ arguments: [String], stdin: [UInt8] = [], environment: [String: String?] = [:],
        directory: String? = nil
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try locate(program))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let input = Pipe()
        let output = Pipe()
        let error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read both pipes concurrently so that a chatty child cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        DispatchQueue.global().async(group: group) { outData = output.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = error.fileHandleForReading.readDataToEndOfFile() }
        if !stdin.isEmpty { try? input.fileHandleForWriting.write(contentsOf: Data(stdin)) }
        try? input.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        let status =
            process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return Output(status: status, stdout: Array(outData), stderr: Array(errData))
    }

    /// Runs the `htpass` binary under test.
    @discardableResult
    public static func htpass(
        _ arguments: [String], stdin: [UInt8] = [], environment: [String: String?] = [:]
    ) throws -> Output {
        try run(htpassBinary, arguments, stdin: stdin, environment: environment)
    }

    /// A new, empty directory that lives until the test process ends: then it is removed with what it holds
    /// (``TemporaryDirectories``), unless the process fails, crashes, or runs with `HTPASS_KEEP_TEMP=1`.
    public static func temporaryDirectory(_ label: String = "htpass-test") throws -> String {
        var base = NSTemporaryDirectory()
        while base.hasSuffix("/") && base.count > 1 { base.removeLast() }
        var template = Array("\(base)/\(label)-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        let path = String(cString: result)
        TemporaryDirectories.register(path)
        return path
    }

    public static func readBytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    public static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

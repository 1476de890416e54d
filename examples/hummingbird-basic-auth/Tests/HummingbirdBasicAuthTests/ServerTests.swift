import Foundation
import Testing

/// The example server as a real process on 127.0.0.1, asked with curl, its file edited with the htpass
/// command between requests: what an operator does.
@Suite("hummingbird-basic-auth: routes protected by an htpasswd file")
struct ServerTests {
    @Test(
        "200 with the user's name for right credentials, 401 and a Basic challenge otherwise; htpass edits count from the next request"
    )
    func basicAuthentication() throws {
        let directory = try temporaryDirectory()
        let file = directory + "/htpasswd"
        try htpass(["create", "--cost", "4", "--stdin", file, "alice"], stdin: "alice-pw")

        let server = try ServerProcess(file: file, realm: "Example \"realm\"")
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/"

        // Open route: the server is up.
        #expect(try curl(url + "health").status == 200)

        // No credentials: 401 with the challenge that makes a browser ask.
        let anonymous = try curl(url)
        #expect(anonymous.status == 401)
        #expect(anonymous.header("WWW-Authenticate") == #"Basic realm="Example \"realm\"", charset="UTF-8""#)

        // The right password, a wrong one, an unknown user.
        let alice = try curl(url, user: "alice", password: "alice-pw")
        #expect(alice.status == 200)
        #expect(alice.body == "Hello, alice\n")
        #expect(try curl(url + "whoami", user: "alice", password: "alice-pw").body == "alice\n")
        let wrong = try curl(url, user: "alice", password: "alice-pW")
        #expect(wrong.status == 401)
        #expect(wrong.header("WWW-Authenticate")?.hasPrefix("Basic realm=") == true)
        #expect(try curl(url, user: "mallory", password: "alice-pw").status == 401)

        // A user added with htpass is let in on the next request: the file is read on every request.
        #expect(try curl(url, user: "bob", password: "bob-pw").status == 401)
        try htpass(["add", "--cost", "4", "--stdin", file, "bob"], stdin: "bob-pw")
        let bob = try curl(url, user: "bob", password: "bob-pw")
        #expect(bob.status == 200)
        #expect(bob.body == "Hello, bob\n")

        // A changed password: the old one stops working at once.
        try htpass(["add", "--cost", "4", "--stdin", file, "bob"], stdin: "bob-new")
        #expect(try curl(url, user: "bob", password: "bob-pw").status == 401)
        #expect(try curl(url, user: "bob", password: "bob-new").status == 200)

        // A user deleted with htpass is refused on the next request.
        try htpass(["delete", file, "alice"])
        #expect(try curl(url, user: "alice", password: "alice-pw").status == 401)
        #expect(try curl(url, user: "bob", password: "bob-new").status == 200)

        // Names and passwords are bytes: a Latin-1 password for a UTF-8 name, sent as they are.
        let latin1: [UInt8] = [0x70, 0xE4, 0xDF, 0x21]  // "päß!" in ISO 8859-1
        try htpass(["add", "--cost", "4", "--stdin", file, "jörg"], stdin: latin1)
        let jorg = try curl(url, authorization: basic(Array("jörg".utf8), latin1))
        #expect(jorg.status == 200)
        #expect(jorg.body == "Hello, jörg\n")
        #expect(try curl(url, authorization: basic(Array("jörg".utf8), Array("päß!".utf8))).status == 401)

        // Not Basic, or not base64: no identity, so 401.
        #expect(try curl(url, authorization: "Bearer abc").status == 401)
        #expect(try curl(url, authorization: "Basic %%%").status == 401)

        // No file: nobody gets in, and the server says it is its own problem (as nginx does).
        try FileManager.default.moveItem(atPath: file, toPath: file + ".away")
        #expect(try curl(url, user: "bob", password: "bob-new").status == 500)
        try FileManager.default.moveItem(atPath: file + ".away", toPath: file)
        #expect(try curl(url, user: "bob", password: "bob-new").status == 200)
    }
}

// MARK: Processes

/// The example server, started on 127.0.0.1 on a free port; `port` is the one it reports.
final class ServerProcess {
    let process = Process()
    let port: Int

    init(file: String, realm: String) throws {
        process.executableURL = URL(fileURLWithPath: try productNextToTests("hummingbird-basic-auth"))
        process.arguments = [file, "--host", "127.0.0.1", "--port", "0", "--realm", realm]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // A server that never says it listens is stopped after a minute, which ends the read below.
        let started = Date()
        let process = self.process
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        defer { watchdog.cancel() }
        var line: [UInt8] = []
        while true {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else {
                throw TestFailure("the server ended before listening (\(Int(Date().timeIntervalSince(started))) s)")
            }
            line += chunk
            if let newline = line.firstIndex(of: 0x0A) {
                let text = String(decoding: line[..<newline], as: UTF8.self)
                guard text.hasPrefix("listening on 127.0.0.1:"), let port = Int(text.split(separator: ":").last!) else {
                    throw TestFailure("unexpected first line from the server: \(text)")
                }
                self.port = port
                return
            }
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct Output {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String
}

@discardableResult
func run(_ program: String, _ arguments: [String], stdin: [UInt8] = []) throws -> Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let input = Pipe()
    let output = Pipe()
    let error = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = error
    try process.run()
    try input.fileHandleForWriting.write(contentsOf: Data(stdin))
    try input.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Output(status: process.terminationStatus, stdout: Array(out), stderr: String(decoding: err, as: UTF8.self))
}

/// Runs the htpass command; a failure fails the test with its message.
func htpass(_ arguments: [String], stdin: String = "") throws {
    try htpass(arguments, stdin: Array(stdin.utf8))
}

func htpass(_ arguments: [String], stdin: [UInt8]) throws {
    let result = try run(try htpassBinary(), arguments, stdin: stdin)
    guard result.status == 0 else {
        throw TestFailure("htpass \(arguments.joined(separator: " ")) exited with \(result.status): \(result.stderr)")
    }
}

/// `$HTPASS_BIN`, else the debug build of the repository this example sits in.
func htpassBinary() throws -> String {
    if let path = ProcessInfo.processInfo.environment["HTPASS_BIN"], !path.isEmpty { return path }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../..")
        .standardized.path
    let path = root + "/.build/debug/htpass"
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw TestFailure(
            "no htpass at \(path): run 'swift build --product htpass' at the repository's root, or set HTPASS_BIN")
    }
    return path
}

/// An executable of this package, built next to the test bundle.
func productNextToTests(_ name: String) throws -> String {
    let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    let path = me.deletingLastPathComponent().appendingPathComponent(name).path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw TestFailure("no \(name) at \(path): run 'swift build --build-tests' first")
    }
    return path
}

func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "hummingbird-basic-auth-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

// MARK: HTTP, with curl

struct HTTPResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: String

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// `Authorization: Basic` for `user` and `password` as bytes.
func basic(_ user: [UInt8], _ password: [UInt8]) -> String {
    "Basic " + Data(user + [UInt8(ascii: ":")] + password).base64EncodedString()
}

func curl(_ url: String, user: String, password: String) throws -> HTTPResponse {
    try curl(url, authorization: basic(Array(user.utf8), Array(password.utf8)))
}

func curl(_ url: String, authorization: String? = nil) throws -> HTTPResponse {
    var arguments = ["--silent", "--show-error", "--include", "--max-time", "30"]
    if let authorization { arguments += ["--header", "Authorization: \(authorization)"] }
    let result = try run("/usr/bin/curl", arguments + [url])
    guard result.status == 0 else { throw TestFailure("curl \(url): \(result.stderr)") }
    let text = String(decoding: result.stdout, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { throw TestFailure("curl \(url): no header end in \(text)") }
    var lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
    let statusLine = lines.removeFirst().split(separator: " ")
    guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
        throw TestFailure("curl \(url): status line \(statusLine)")
    }
    let headers = lines.compactMap { line -> (String, String)? in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
    return HTTPResponse(status: status, headers: headers, body: String(text[split.upperBound...]))
}

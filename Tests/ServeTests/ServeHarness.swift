import Foundation
import Glibc
import TestSupport

/// One htpass-serve process for a test: started on 127.0.0.1 and a free port (or a unix socket), its
/// audit log and standard error in a directory of its own, stopped (SIGTERM, then SIGKILL) on every path.
final class ServeProcess: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The htpass-serve binary under test: `$HTPASS_SERVE_BIN`, else the one built next to the tests.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["HTPASS_SERVE_BIN"], !path.isEmpty { return path }
        if let path = TestSupport.productNextToTests("htpass-serve") { return path }
        return TestSupport.packageRoot + "/.build/debug/htpass-serve"
    }

    let directory: String
    let port: UInt16
    let process: Process
    var auditPath: String { directory + "/audit.log" }
    var errorPath: String { directory + "/stderr.log" }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts `htpass-serve FILE ARGUMENTS --listen 127.0.0.1:PORT --audit-log DIR/audit.log`, through
    /// `prefix` (such as setpriv) when given, and waits until `/healthz` answers.
    init(
        file: String, _ arguments: [String] = [], prefix: [String] = [], binary: String = ServeProcess.binary,
        prefixArguments: [String] = [], listen: [String]? = nil
    ) throws {
        directory = try TestSupport.temporaryDirectory("htpass-serve")
        chmod(directory, 0o777)
        var lastError = ""
        let errorLog = directory + "/stderr.log"
        for _ in 0..<5 {
            let port = try Self.freePort()
            let process = Process()
            let command =
                prefix + [binary] + prefixArguments + [file] + arguments
                + (listen ?? ["--listen", "127.0.0.1:\(port)"])
                + ["--audit-log", directory + "/audit.log"]
            process.executableURL = URL(fileURLWithPath: try TestSupport.locate(command[0]))
            process.arguments = Array(command.dropFirst())
            process.standardInput = FileHandle.nullDevice
            _ = FileManager.default.createFile(atPath: directory + "/stderr.log", contents: nil)
            let errors = FileHandle(forWritingAtPath: directory + "/stderr.log")
            process.standardOutput = errors
            process.standardError = errors
            try process.run()
            try? errors?.close()
            for _ in 0..<3000 {
                if !process.isRunning { break }
                // A unix socket is ready once announced (after its group is set); a port, once it answers.
                let ready =
                    listen == nil
                    ? Self.answers(port: port)
                    : ((try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? "").contains("listening on unix:")
                if ready {
                    self.port = port
                    self.process = process
                    return
                }
                usleep(10_000)
            }
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            lastError = (try? String(contentsOfFile: directory + "/stderr.log", encoding: .utf8)) ?? ""
        }
        throw Failure(description: "htpass-serve did not start: \(lastError)")
    }

    deinit { stop() }

    /// Sends SIGTERM, waits up to 10 s (then SIGKILL), and returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<1000 where process.isRunning { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    var stderrText: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// The audit log's lines, parsed: once the server has written every line it queued (its writer thread
    /// writes them after the answers).
    func auditLines() throws -> [[String: Any]] {
        if process.isRunning {
            for _ in 0..<500 {
                guard let pending = try? metric("htpass_serve_audit_lines_pending"), pending > 0 else { break }
                usleep(10_000)
            }
        }
        let text = (try? String(contentsOfFile: auditPath, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw Failure(description: "not a JSON object: \(line)")
            }
            return object
        }
    }

    /// A metric's value from `/metrics` (the line that starts with `name` followed by a space).
    func metric(_ name: String) throws -> Double {
        let body = try HTTP.curl(baseURL + "/metrics").body
        for line in body.split(separator: "\n") where line.hasPrefix(name + " ") {
            if let value = Double(line.dropFirst(name.count + 1)) { return value }
        }
        throw Failure(description: "no metric \(name) in:\n\(body)")
    }

    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw Failure(description: "bind: \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    static func answers(port: UInt16) -> Bool {
        (try? HTTP.raw(port: port, Array("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)))?
            .status == 200
    }
}

/// HTTP requests for the tests: curl for ordinary ones, a raw socket for bytes curl would not send.
enum HTTP {
    struct Answer: Sendable {
        var status: Int
        /// Header names in lower case.
        var headers: [String: String]
        var body: String
        /// For ``HTTP/raw(port:_:timeout:)``: whether the server closed the connection (rather than the wait
        /// for more ending).
        var closedByServer = false
    }

    /// `curl -s -i URL ARGUMENTS`, parsed (the last response, after any interim ones).
    static func curl(_ url: String, _ arguments: [String] = []) throws -> Answer {
        let output = try TestSupport.run(
            try TestSupport.locate("curl"), ["-s", "-i", "--max-time", "30", url] + arguments)
        guard output.status == 0 else {
            throw ServeProcess.Failure(description: "curl \(url) failed (\(output.status)): \(output.stderrText)")
        }
        return try parse(output.stdout)
    }

    /// `curl -u USER:PASSWORD` against `/auth`.
    static func auth(_ server: ServeProcess, user: String, password: String, _ extra: [String] = []) throws -> Answer {
        try curl(server.baseURL + "/auth", ["-u", "\(user):\(password)"] + extra)
    }

    /// Asks `requests` one after the other on one keep-alive connection to 127.0.0.1:`port`, each once the
    /// answer before it has arrived (so that none is pipelined behind another); answers without a body only.
    static func oneByOne(port: UInt16, _ requests: [String], timeout seconds: Int = 120) throws -> [Answer] {
        let fd = try connected(port: port, timeout: seconds)
        defer { close(fd) }
        var answers: [Answer] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        for request in requests {
            let bytes = Array(request.utf8)
            guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count
            else {
                throw ServeProcess.Failure(description: "send: \(errno)")
            }
            var response: [UInt8] = []
            while !response.suffix(4).elementsEqual([13, 10, 13, 10]) {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { throw ServeProcess.Failure(description: "no answer to \(request)") }
                response += buffer[..<count]
            }
            answers.append(try parse(response))
        }
        return answers
    }

    /// The resident memory of process `pid` in bytes (`VmRSS`), or nil.
    static func residentBytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }

    /// A new connection to 127.0.0.1:`port` whose reads wait at most `seconds`.
    static func connected(port: UInt16, timeout seconds: Int) throws -> CInt {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServeProcess.Failure(description: "socket: \(errno)") }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw ServeProcess.Failure(description: "connect: \(errno)")
        }
        return fd
    }

    /// Writes `request` on a new connection to 127.0.0.1:`port` and reads the answer until the server closes.
    static func raw(port: UInt16, _ request: [UInt8], timeout seconds: Int = 30) throws -> Answer {
        let fd = try connected(port: port, timeout: seconds)
        defer { close(fd) }
        var offset = 0
        while offset < request.count {
            let written = request[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { break }
            offset += written
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var closed = false
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0 && errno == EINTR { continue }
            closed = count == 0
            if count <= 0 { break }
            response += buffer[..<count]
        }
        var answer = try parse(response)
        answer.closedByServer = closed
        return answer
    }

    static func parse(_ bytes: [UInt8]) throws -> Answer {
        var text = String(decoding: bytes, as: UTF8.self)
        // Skip interim responses (100 Continue).
        while text.hasPrefix("HTTP/1.1 100") || text.hasPrefix("HTTP/1.0 100") {
            guard let end = text.range(of: "\r\n\r\n") else { break }
            text = String(text[end.upperBound...])
        }
        guard let end = text.range(of: "\r\n\r\n") else {
            throw ServeProcess.Failure(description: "no HTTP response: \(text.prefix(200))")
        }
        let head = text[..<end.lowerBound].components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw ServeProcess.Failure(description: "bad status line: \(head[0])")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        return Answer(status: status, headers: headers, body: String(text[end.upperBound...]))
    }

    /// `GET /auth` with alice's credentials on a raw socket: no process to start, so it reaches the server
    /// at once however loaded the machine is.
    static func rawAuth(port: UInt16, user: String, password: String) throws -> Answer {
        let request =
            "GET /auth HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: "
            + basic(Array(user.utf8), Array(password.utf8)) + "\r\n\r\n"
        return try raw(port: port, Array(request.utf8), timeout: 600)
    }

    /// `Authorization: Basic` of raw bytes.
    static func basic(_ user: [UInt8], _ password: [UInt8]) -> String {
        "Basic " + Data(user + [UInt8(ascii: ":")] + password).base64EncodedString()
    }
}

/// htpasswd files made with the htpass binary under test.
enum Files {
    /// A new file with `users` (name → password), hashed with `algorithm` (and `--cost`).
    static func make(_ users: [(String, String)], algorithm: String = "apr1", cost: Int? = nil) throws -> String {
        let directory = try TestSupport.temporaryDirectory("htpass-serve-file")
        chmod(directory, 0o755)
        let path = directory + "/htpasswd"
        for (index, (user, password)) in users.enumerated() {
            try add(path, user, password, algorithm: algorithm, cost: cost, create: index == 0)
        }
        return path
    }

    static func add(
        _ path: String, _ user: String, _ password: String, algorithm: String = "apr1", cost: Int? = nil,
        create: Bool = false, writeMode: String? = nil
    ) throws {
        var arguments = ["add", "--stdin", "-a", algorithm]
        if let cost { arguments += ["--cost", String(cost)] }
        if create { arguments.append("--create") }
        if let writeMode { arguments += ["--write-mode", writeMode] }
        let output = try TestSupport.htpass(arguments + [path, user], stdin: Array(password.utf8))
        guard output.status == 0 else {
            throw ServeProcess.Failure(description: "htpass add \(user): \(output.stderrText)")
        }
    }

    static func delete(_ path: String, _ user: String, writeMode: String? = nil) throws {
        var arguments = ["delete"]
        if let writeMode { arguments += ["--write-mode", writeMode] }
        let output = try TestSupport.htpass(arguments + [path, user])
        guard output.status == 0 else {
            throw ServeProcess.Failure(description: "htpass delete \(user): \(output.stderrText)")
        }
    }
}

import Foundation
import Glibc

/// One server process started for a test: its own directory (configuration, logs, pid), a free port on
/// 127.0.0.1, and the process itself, run in the foreground as the user who runs the tests.
///
/// `configure` writes the configuration for a given directory and port and returns the command line. The
/// server counts as started when it accepts connections on the port.
final class ServerProcess: @unchecked Sendable {
    typealias Configure = (_ directory: String, _ port: UInt16) throws -> (executable: String, arguments: [String])

    let label: String
    let directory: String
    private(set) var port: UInt16 = 0
    private var process: Process?
    private let configure: Configure
    private let lock = NSLock()

    /// The process id of the running server (0 when stopped).
    var processID: Int32 {
        lock.lock()
        defer { lock.unlock() }
        return process?.processIdentifier ?? 0
    }

    /// The file that receives the server's standard output and error.
    var outputPath: String { directory + "/output.log" }

    init(label: String, configure: @escaping Configure) throws {
        self.label = label
        self.configure = configure
        directory = try TestSupport.temporaryDirectory("htpass-\(label)")
        try start()
    }

    deinit { stop() }

    /// Starts the server; a port found free can be taken before the server binds it, so tries a few.
    func start() throws {
        lock.lock()
        defer { lock.unlock() }
        var lastError = ""
        for attempt in 0..<5 {
            // Keep the port across restarts when it can; the servers here set SO_REUSEADDR.
            let port = (attempt == 0 && self.port != 0) ? self.port : try HTTPProbe.freePort()
            let (executable, arguments) = try configure(directory, port)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardInput = FileHandle.nullDevice
            _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
            let output = FileHandle(forWritingAtPath: outputPath)
            output?.seekToEndOfFile()
            process.standardOutput = output ?? FileHandle.nullDevice
            process.standardError = output ?? FileHandle.nullDevice
            try process.run()
            try? output?.close()

            var ready = false
            for _ in 0..<1000 {
                if !process.isRunning { break }
                if HTTPProbe.canConnect(port: port) {
                    ready = true
                    break
                }
                usleep(5_000)
            }
            if ready {
                self.port = port
                self.process = process
                return
            }
            Self.terminate(process)
            lastError = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        }
        throw HTTPProbe.Failure(description: "\(label) did not start: \(lastError)")
    }

    /// Stops the server (SIGTERM, then SIGKILL after 3 s) and waits for it.
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        if let process { Self.terminate(process) }
        process = nil
    }

    func restart() throws {
        stop()
        try start()
    }

    private static func terminate(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<300 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The contents of a file in the server's directory (a log), or "".
    func read(_ name: String) -> String {
        (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
    }
}

/// HTTP over a raw socket to 127.0.0.1: no client library trims, encodes or re-reads anything.
public enum HTTPProbe {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The status of `GET path`, with Basic credentials made of raw bytes when `user` is given.
    static func status(port: UInt16, path: String, user: [UInt8]?, password: [UInt8]) throws -> Int {
        var request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        if let user {
            request += "Authorization: Basic \(Data(user + [UInt8(ascii: ":")] + password).base64EncodedString())\r\n"
        }
        request += "\r\n"
        let response = try exchange(port: port, request: Array(request.utf8))
        if response.isEmpty { throw Failure(description: "no answer on port \(port) (closed, or 600 s passed)") }
        // "HTTP/1.1 200 OK"
        let text = String(decoding: response.prefix(64), as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else {
            throw Failure(description: "not an HTTP response on port \(port): \(text.debugDescription)")
        }
        return code
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, closed).
    public static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw Failure(description: "bind: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    static func canConnect(port: UInt16) -> Bool {
        guard let fd = connected(port: port) else { return false }
        close(fd)
        return true
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    private static func connected(port: UInt16) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0 {
            close(fd)
            return nil
        }
        return fd
    }

    private static func exchange(port: UInt16, request: [UInt8]) throws -> [UInt8] {
        guard let fd = connected(port: port) else {
            throw Failure(description: "cannot connect to 127.0.0.1:\(port)")
        }
        defer { close(fd) }
        // bcrypt at cost 20 takes a minute a request on a busy machine.
        var timeout = timeval(tv_sec: 600, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send failed: \(String(cString: strerror(errno)))") }
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                response += buffer[..<n]
            } else if n == 0 || errno != EINTR {
                break
            }
        }
        return response
    }
}

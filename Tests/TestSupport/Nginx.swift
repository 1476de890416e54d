import Foundation
import Glibc

/// A real nginx on 127.0.0.1 serving one static page behind `auth_basic`, for end-to-end tests.
///
/// Each server has its own prefix directory (configuration, logs, pid, temporary paths) and its own port.
/// It runs in the foreground as a single process (`daemon off; master_process off;`), so that it runs as
/// the user who runs the tests and reads files that only that user can read, and so that stopping it is
/// one signal. Use ``Nginx/with(userFile:_:)``: it stops the server on every path, a failing test too.
public final class Nginx: @unchecked Sendable {
    public let prefix: String
    public let port: UInt16
    public let userFile: String
    private let process: Process

    /// Starts nginx protecting `/` with `userFile`, runs `body`, and stops nginx whatever happens.
    ///
    /// - Parameter commandPrefix: A command that nginx is started through, which must exec it in the
    ///   same process (such as ``MountNamespace/command(privateDirectory:binds:)``, to run nginx in a
    ///   mount namespace of its own); empty to start nginx directly.
    public static func with<T>(userFile: String, commandPrefix: [String] = [], _ body: (Nginx) throws -> T) throws
        -> T
    {
        let server = try Nginx(userFile: userFile, commandPrefix: commandPrefix)
        defer { server.stop() }
        return try body(server)
    }

    /// The process id of nginx (after a command prefix, still nginx's: the prefix execs it).
    public var processID: Int32 { process.processIdentifier }

    public struct StartFailure: Error, CustomStringConvertible {
        public var description: String
    }

    private init(userFile: String, commandPrefix: [String]) throws {
        let binary = try TestSupport.locate("nginx")
        self.userFile = userFile
        var lastError = ""
        // A port found free can be taken before nginx binds it; try a few.
        for _ in 0..<5 {
            let prefix = try TestSupport.temporaryDirectory("htpass-nginx")
            let port = try Self.freePort()
            try FileManager.default.createDirectory(atPath: prefix + "/html", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: prefix + "/logs", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: prefix + "/temp", withIntermediateDirectories: true)
            try Data("secret page\n".utf8).write(to: URL(fileURLWithPath: prefix + "/html/index.html"))
            let config = """
                daemon off;
                master_process off;
                worker_processes 1;
                pid \(prefix)/nginx.pid;
                error_log \(prefix)/logs/error.log info;
                events { worker_connections 64; }
                http {
                    access_log \(prefix)/logs/access.log;
                    client_body_temp_path \(prefix)/temp/body;
                    proxy_temp_path \(prefix)/temp/proxy;
                    fastcgi_temp_path \(prefix)/temp/fastcgi;
                    uwsgi_temp_path \(prefix)/temp/uwsgi;
                    scgi_temp_path \(prefix)/temp/scgi;
                    server {
                        listen 127.0.0.1:\(port);
                        server_name localhost;
                        root \(prefix)/html;
                        location / {
                            auth_basic "htpass test";
                            auth_basic_user_file \(userFile);
                        }
                    }
                }

                """
            try Data(config.utf8).write(to: URL(fileURLWithPath: prefix + "/nginx.conf"))

            let process = Process()
            let command =
                commandPrefix + [binary, "-p", prefix, "-c", prefix + "/nginx.conf", "-e", prefix + "/logs/error.log"]
            process.executableURL = URL(fileURLWithPath: try TestSupport.locate(command[0]))
            process.arguments = Array(command.dropFirst())
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            // What the prefix says when it fails (a mount refused); nginx itself logs to error.log.
            _ = FileManager.default.createFile(atPath: prefix + "/logs/launch.log", contents: nil)
            process.standardError = FileHandle(forWritingAtPath: prefix + "/logs/launch.log")
            try process.run()

            // Wait until it accepts connections, or has exited (a taken port, a bad configuration).
            var ready = false
            for _ in 0..<500 {
                if !process.isRunning { break }
                if Self.canConnect(port: port) {
                    ready = true
                    break
                }
                usleep(10_000)
            }
            if ready {
                self.prefix = prefix
                self.port = port
                self.process = process
                return
            }
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            lastError =
                ((try? String(contentsOfFile: prefix + "/logs/error.log", encoding: .utf8)) ?? "no error log")
                + ((try? String(contentsOfFile: prefix + "/logs/launch.log", encoding: .utf8)) ?? "")
        }
        throw StartFailure(description: "nginx did not start: \(lastError)")
    }

    /// Stops nginx (SIGTERM, then SIGKILL) and waits for it.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<300 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    /// The error log, for failure messages.
    public var errorLog: String {
        (try? String(contentsOfFile: prefix + "/logs/error.log", encoding: .utf8)) ?? ""
    }

    /// The HTTP status of `GET /`, with Basic credentials made of raw bytes when given.
    ///
    /// The request is written by hand on a socket: no client library trims, encodes or re-reads anything.
    public func status(user: [UInt8]? = nil, password: [UInt8] = []) throws -> Int {
        var request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        if let user {
            request += "Authorization: Basic \(Data(user + [UInt8(ascii: ":")] + password).base64EncodedString())\r\n"
        }
        request += "\r\n"
        let response = try Self.exchange(port: port, request: Array(request.utf8))
        // "HTTP/1.1 200 OK"
        let text = String(decoding: response.prefix(64), as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else {
            throw StartFailure(description: "not an HTTP response: \(text.debugDescription)")
        }
        return code
    }

    public func status(user: String, password: String) throws -> Int {
        try status(user: Array(user.utf8), password: Array(password.utf8))
    }

    // MARK: Sockets

    private static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StartFailure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw StartFailure(description: "bind: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
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

    private static func canConnect(port: UInt16) -> Bool {
        guard let fd = connected(port: port) else { return false }
        close(fd)
        return true
    }

    private static func exchange(port: UInt16, request: [UInt8]) throws -> [UInt8] {
        guard let fd = connected(port: port) else {
            throw StartFailure(description: "cannot connect to nginx on port \(port)")
        }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw StartFailure(description: "send failed: \(String(cString: strerror(errno)))") }
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

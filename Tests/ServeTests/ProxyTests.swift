import Foundation
import Glibc
import TestSupport
import Testing

/// A real reverse proxy in front of htpass-serve, both on 127.0.0.1, as users deploy them: nginx with
/// `auth_request` and Caddy with `forward_auth`, each protecting a static page.
@Suite("htpass-serve behind real proxies")
struct ProxyTests {
    /// A proxy process with its own directory, stopped (SIGTERM, then SIGKILL) on every path.
    final class Proxy: @unchecked Sendable {
        let directory: String
        let port: UInt16
        let process: Process

        init(_ name: String, configure: (_ directory: String, _ port: UInt16) throws -> [String]) throws {
            directory = try TestSupport.temporaryDirectory("htpass-\(name)")
            var lastError = ""
            for _ in 0..<5 {
                let port = try ServeProcess.freePort()
                let command = try configure(directory, port)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: try TestSupport.locate(command[0]))
                process.arguments = Array(command.dropFirst())
                process.currentDirectoryURL = URL(fileURLWithPath: directory)
                var environment = ProcessInfo.processInfo.environment
                environment["HOME"] = directory
                environment["XDG_DATA_HOME"] = directory + "/data"
                environment["XDG_CONFIG_HOME"] = directory + "/config"
                process.environment = environment
                process.standardInput = FileHandle.nullDevice
                _ = FileManager.default.createFile(atPath: directory + "/output.log", contents: nil)
                let output = FileHandle(forWritingAtPath: directory + "/output.log")
                process.standardOutput = output
                process.standardError = output
                try process.run()
                try? output?.close()
                for _ in 0..<1000 {
                    if !process.isRunning { break }
                    if (try? HTTP.raw(
                        port: port, Array("GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))) != nil
                    {
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
                lastError = (try? String(contentsOfFile: directory + "/output.log", encoding: .utf8)) ?? ""
            }
            throw ServeProcess.Failure(description: "\(name) did not start: \(lastError)")
        }

        deinit { stop() }

        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGTERM)
            for _ in 0..<500 where process.isRunning { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        var log: String { (try? String(contentsOfFile: directory + "/output.log", encoding: .utf8)) ?? "" }

        func get(_ arguments: [String]) throws -> HTTP.Answer {
            try HTTP.curl("http://127.0.0.1:\(port)/index.html", arguments)
        }
    }

    /// nginx asking `server` on 127.0.0.1 for each request, or, given `socket`, on that unix socket through a
    /// keep-alive upstream: the configuration Docs/guides/mlflow-nginx.md §7 recommends on a host.
    static func nginx(before server: ServeProcess, socket: String? = nil) throws -> Proxy {
        let upstream =
            socket.map {
                """
                upstream htpass_serve {
                        server unix:\($0);
                        keepalive 16;
                    }
                """
            } ?? ""
        let keepAlive =
            socket == nil
            ? ""
            : """
            proxy_http_version 1.1;
                            proxy_set_header Connection "";
            """
        let target = socket == nil ? "127.0.0.1:\(server.port)" : "htpass_serve"
        return try Proxy("nginx") { prefix, port in
            let config = try Nginx.configuration(
                prefix: prefix,
                http: """
                    \(upstream)
                        server {
                            listen 127.0.0.1:\(port);
                            root \(prefix)/html;
                            location / {
                                auth_request /_htpass;
                                auth_request_set $htpass_user $upstream_http_x_remote_user;
                                add_header X-User $htpass_user always;
                            }
                            location = /_htpass {
                                internal;
                                proxy_pass http://\(target)/auth;
                                proxy_pass_request_body off;
                                proxy_set_header Content-Length "";
                                \(keepAlive)
                                proxy_set_header X-Real-IP $remote_addr;
                            }
                        }
                    """)
            try TestSupport.writeBytes(Array(config.utf8), to: prefix + "/nginx.conf")
            return ["nginx", "-p", prefix, "-c", prefix + "/nginx.conf", "-e", prefix + "/logs/error.log"]
        }
    }

    static func caddy(before server: ServeProcess) throws -> Proxy {
        try Proxy("caddy") { directory, port in
            try FileManager.default.createDirectory(atPath: directory + "/html", withIntermediateDirectories: true)
            try TestSupport.writeBytes(Array("secret page\n".utf8), to: directory + "/html/index.html")
            let config = """
                {
                    admin off
                    auto_https off
                }
                http://127.0.0.1:\(port) {
                    route {
                        forward_auth 127.0.0.1:\(server.port) {
                            uri /auth
                            copy_headers X-Remote-User
                        }
                        header X-User {http.request.header.X-Remote-User}
                        root * \(directory)/html
                        file_server
                    }
                }

                """
            try TestSupport.writeBytes(Array(config.utf8), to: directory + "/Caddyfile")
            return ["caddy", "run", "--config", directory + "/Caddyfile", "--adapter", "caddyfile"]
        }
    }

    /// "nginx-unix": nginx reaches htpass-serve on a unix socket, its connections kept alive, so that the
    /// cached credential and the deletion travel on a connection opened before the edit.
    @Test(
        "Behind nginx (TCP, unix socket) and Caddy: 200 with the page, 401 with the challenge, edits seen at once",
        arguments: ["nginx", "nginx-unix", "caddy"])
    func proxy(name: String) throws {
        let file = try Files.make([("alice", "alice-pw"), ("bob", "bob-pw")])
        let socket = try TestSupport.temporaryDirectory("htpass-serve-socket") + "/auth.sock"
        let server = try ServeProcess(file: file, name == "nginx-unix" ? ["--listen", "unix:" + socket] : [])
        let proxy =
            try name == "caddy"
            ? Self.caddy(before: server) : Self.nginx(before: server, socket: name == "nginx-unix" ? socket : nil)
        defer { proxy.stop() }
        let right = try proxy.get(["-u", "alice:alice-pw"])
        #expect(right.status == 200, "\(proxy.log)")
        #expect(right.body == "secret page\n")
        #expect(right.headers["x-user"] == "alice")
        for arguments in [["-u", "alice:wrong"], ["-u", "carol:alice-pw"], [], ["-H", "Authorization: Basic !!!"]] {
            let denied = try proxy.get(arguments)
            #expect(denied.status == 401, "\(arguments)")
            #expect(denied.headers["www-authenticate"] == ServeTests.challenge, "\(arguments)")
            #expect(!denied.body.contains("secret page"))
        }
        // Cached, then deleted: refused on the next request through the proxy.
        #expect(try proxy.get(["-u", "alice:alice-pw"]).status == 200)
        try Files.delete(file, "alice")
        #expect(try proxy.get(["-u", "alice:alice-pw"]).status == 401)
        #expect(try proxy.get(["-u", "bob:bob-pw"]).status == 200)
        // The client's address reaches the audit log through the proxy's headers.
        #expect(try server.auditLines().allSatisfy { $0["client"] as? String == "127.0.0.1" })
        // The eight requests (after the readiness probe's, if it reached the service).
        let results = try server.auditLines().suffix(8).map { $0["result"] as? String ?? "-" }
        #expect(
            results == [
                "granted", "denied", "unknown_user", "bad_request", "bad_request", "granted", "unknown_user",
                "granted",
            ])
        server.stop()
    }
}

import Foundation
import Glibc

/// A real nginx on 127.0.0.1 serving one static page behind `auth_basic`, for end-to-end tests.
///
/// Two builds: Debian's nginx (glibc, libxcrypt's `crypt_r`), target `nginx`; and the nginx-alpine oracle
/// (Debian's nginx source built with musl-gcc and musl's own `crypt_r`, by scripts/install-server-deps.sh),
/// target `nginx-alpine`.
///
/// Each server has its own prefix directory (configuration, logs, pid, temporary paths) and its own port.
/// It runs in the foreground as a single process (`daemon off; master_process off;`), so that it runs as
/// the user who runs the tests and reads files that only that user can read, and so that stopping it is
/// one signal. nginx opens the user file on every request. Use ``Nginx/with(userFile:_:)``: it stops the
/// server on every path, a failing test too.
public final class Nginx: Consumer, @unchecked Sendable {
    public enum Variant: Sendable {
        /// Debian's nginx package.
        case debian
        /// nginx on musl with musl's crypt, as in the nginx:alpine image and ingress-nginx.
        case alpine
    }

    public let prefix: String
    public let userFile: String
    public let variant: Variant
    private let server: ConsumerServer

    /// Starts Debian's nginx protecting `/` with `userFile`, runs `body`, and stops nginx whatever happens.
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

    /// Makes `prefix` an nginx prefix (`html/index.html` with "secret page", `logs/`, `temp/`) and returns a
    /// configuration that runs nginx there in the foreground as one process, with `http` inside its `http`
    /// block. `modules`: whether the build has the proxy, FastCGI, uwsgi and SCGI modules (the musl build has
    /// none, nor their directives).
    public static func configuration(prefix: String, modules: Bool = true, http: String) throws -> String {
        for directory in ["html", "logs", "temp"] {
            try FileManager.default.createDirectory(atPath: prefix + "/" + directory, withIntermediateDirectories: true)
        }
        try TestSupport.writeBytes(Array("secret page\n".utf8), to: prefix + "/html/index.html")
        let moduleTemporaryPaths =
            modules
            ? """
            proxy_temp_path \(prefix)/temp/proxy;
                fastcgi_temp_path \(prefix)/temp/fastcgi;
                uwsgi_temp_path \(prefix)/temp/uwsgi;
                scgi_temp_path \(prefix)/temp/scgi;
            """ : ""
        return """
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/logs/error.log info;
            events { worker_connections 64; }
            http {
                access_log \(prefix)/logs/access.log;
                client_body_temp_path \(prefix)/temp/body;
                \(moduleTemporaryPaths)
                \(http)
            }

            """
    }

    /// The process id of nginx (after a command prefix, still nginx's: the prefix execs it).
    public var processID: Int32 { server.processID }

    public init(userFile: String, variant: Variant = .debian, commandPrefix: [String] = []) throws {
        self.userFile = userFile
        self.variant = variant
        let binary: String =
            switch variant {
            case .debian: try TestSupport.locate("nginx")
            case .alpine: try Consumers.oracle("nginx-alpine/sbin/nginx")
            }
        let recipe = ConsumerRecipe(
            name: variant == .debian ? "nginx" : "nginx-alpine", path: "/", reload: .everyRequest,
            configure: { prefix, port, userFile in
                let config = try Nginx.configuration(
                    prefix: prefix, modules: variant == .debian,
                    http: """
                        server {
                                listen 127.0.0.1:\(port);
                                server_name localhost;
                                root \(prefix)/html;
                                location / {
                                    auth_basic "htpass test";
                                    auth_basic_user_file "\(userFile)";
                                }
                            }
                        """)
                try TestSupport.writeBytes(Array(config.utf8), to: prefix + "/nginx.conf")
                let command = [binary, "-p", prefix, "-c", prefix + "/nginx.conf", "-e", prefix + "/logs/error.log"]
                guard let first = commandPrefix.first else { return (binary, Array(command.dropFirst())) }
                return (try TestSupport.locate(first), Array(commandPrefix.dropFirst()) + command)
            },
            logs: ["logs/error.log"])
        server = try ConsumerServer(recipe: recipe, userFile: userFile)
        prefix = server.directory
    }

    deinit { stop() }

    public var name: String { server.name }
    public var port: UInt16 { server.port }

    /// Stops nginx (SIGTERM, then SIGKILL) and waits for it.
    public func stop() { server.stop() }

    /// The error log, for failure messages.
    public var errorLog: String {
        (try? String(contentsOfFile: prefix + "/logs/error.log", encoding: .utf8)) ?? ""
    }

    public var log: String { server.log }

    public func serve(_ bytes: [UInt8]) throws { try server.serve(bytes) }

    /// The HTTP status of `GET /`, with Basic credentials made of raw bytes when given.
    ///
    /// The request is written by hand on a socket: no client library trims, encodes or re-reads anything.
    public func status(user: [UInt8]? = nil, password: [UInt8] = []) throws -> Int {
        try server.status(user: user, password: password)
    }

    public func status(user: String, password: String) throws -> Int {
        try status(user: Array(user.utf8), password: Array(password.utf8))
    }
}

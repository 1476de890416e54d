import Foundation
import Glibc

/// A real program that reads htpasswd files, started on 127.0.0.1 to answer Basic authentication with
/// the file it is given: nginx (Debian's, and one built on musl as in the nginx:alpine image), Apache
/// httpd, lighttpd, the Docker registry, and Traefik's basic-auth middleware.
///
/// Start one with ``Consumers/with(_:userFile:_:)``: it stops the server on every path, a failing test too.
public protocol Consumer: AnyObject, Sendable {
    /// The target's name, as `htpass --target` spells it: `nginx`, `nginx-alpine`, `apache`, `lighttpd`,
    /// `traefik`, `registry`.
    var name: String { get }
    /// The port on 127.0.0.1 the server listens on.
    var port: UInt16 { get }
    /// The htpasswd file the server reads.
    var userFile: String { get }
    /// The HTTP status of one request with Basic credentials made of raw bytes, or none when `user` is nil.
    ///
    /// The request is written by hand on a socket: no client library trims, encodes or re-reads anything.
    func status(user: [UInt8]?, password: [UInt8]) throws -> Int
    /// Replaces the contents of ``userFile`` with `bytes` so that the next request sees them: written in
    /// place for servers that read the file on every request, followed by a restart for those that read it
    /// once (Traefik) or keep the last good copy (the registry).
    func serve(_ bytes: [UInt8]) throws
    /// What the server logged, for failure messages.
    var log: String { get }
    /// Stops the server and waits for it; harmless when already stopped.
    func stop()
}

extension Consumer {
    public func status(user: String, password: String) throws -> Int {
        try status(user: Array(user.utf8), password: Array(password.utf8))
    }
}

/// Starting the real consumers by target name.
public enum Consumers {
    /// Every target that runs here, in the order the reports list them. (Envoy is not packaged: its rule
    /// comes from its documentation, see Docs/targets.md.)
    public static let names = ["nginx", "nginx-alpine", "apache", "lighttpd", "traefik", "registry"]

    public struct UnknownTarget: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "no real server for target '\(name)'" }
    }

    /// Starts the consumer `name` reading `userFile`, runs `body`, and stops the server whatever happens.
    public static func with<T>(_ name: String, userFile: String, _ body: (any Consumer) throws -> T) throws -> T {
        let server = try start(name, userFile: userFile)
        defer { server.stop() }
        return try body(server)
    }

    /// Starts the consumer `name` reading `userFile`; the caller stops it.
    public static func start(_ name: String, userFile: String) throws -> any Consumer {
        switch name {
        case "nginx": return try Nginx(userFile: userFile)
        case "nginx-alpine": return try Nginx(userFile: userFile, variant: .alpine)
        case "apache": return try ConsumerServer(recipe: .apache, userFile: userFile)
        case "lighttpd": return try ConsumerServer(recipe: .lighttpd, userFile: userFile)
        case "traefik": return try ConsumerServer(recipe: .traefik, userFile: userFile)
        case "registry": return try ConsumerServer(recipe: .registry, userFile: userFile)
        default: throw UnknownTarget(name: name)
        }
    }

    /// Where scripts/install-server-deps.sh builds the oracles that Debian does not package:
    /// `$HTPASS_ORACLES`, else `.build/oracles` in the package.
    public static var oracles: String {
        if let path = ProcessInfo.processInfo.environment["HTPASS_ORACLES"], !path.isEmpty { return path }
        return TestSupport.packageRoot + "/.build/oracles"
    }

    /// A program built by scripts/install-server-deps.sh.
    static func oracle(_ relativePath: String) throws -> String {
        let path = oracles + "/" + relativePath
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw MissingOracle(path: path)
        }
        return path
    }

    public struct MissingOracle: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "\(path) is not built; run 'make test-consumers', which runs scripts/install-server-deps.sh"
        }
    }
}

/// How one consumer is configured, asked and kept up to date with its file.
struct ConsumerRecipe: Sendable {
    enum Reload: Sendable {
        /// The server opens the file on every request (nginx, Apache, lighttpd).
        case everyRequest
        /// The server reads the file once, or keeps the last good copy: restart after each change.
        case restart
    }

    var name: String
    var path: String
    var reload: Reload
    /// Writes the configuration into `directory` for `port` and `userFile`; returns the command line.
    var configure: @Sendable (_ directory: String, _ port: UInt16, _ userFile: String) throws -> (String, [String])
    /// The log files in the server's directory, besides its standard output and error.
    var logs: [String] = []
}

/// A consumer run from a ``ConsumerRecipe``.
final class ConsumerServer: Consumer, @unchecked Sendable {
    let recipe: ConsumerRecipe
    let userFile: String
    let server: ServerProcess

    init(recipe: ConsumerRecipe, userFile: String) throws {
        guard !userFile.contains(where: { "\"'\n\r\\$".contains($0) }) else {
            throw HTTPProbe.Failure(description: "a user file path the configurations cannot quote: \(userFile)")
        }
        self.recipe = recipe
        self.userFile = userFile
        server = try ServerProcess(label: recipe.name) { directory, port in
            try recipe.configure(directory, port, userFile)
        }
    }

    var name: String { recipe.name }
    var port: UInt16 { server.port }
    var directory: String { server.directory }
    var processID: Int32 { server.processID }

    func status(user: [UInt8]?, password: [UInt8]) throws -> Int {
        try HTTPProbe.status(port: server.port, path: recipe.path, user: user, password: password)
    }

    func serve(_ bytes: [UInt8]) throws {
        try TestSupport.writeBytes(bytes, to: userFile)
        if recipe.reload == .restart { try server.restart() }
    }

    var log: String {
        ([server.read("output.log")] + recipe.logs.map(server.read)).filter { !$0.isEmpty }.joined(separator: "\n")
    }

    func stop() { server.stop() }
}

extension ConsumerRecipe {
    static func write(_ text: String, _ path: String) throws {
        try TestSupport.writeBytes(Array(text.utf8), to: path)
    }

    /// Apache httpd 2.4 with mod_auth_basic and mod_authn_file, one process in the foreground (`-X`), so that
    /// it runs as the user who runs the tests.
    static let apache = ConsumerRecipe(
        name: "apache", path: "/", reload: .everyRequest,
        configure: { directory, port, userFile in
            let modules = "/usr/lib/apache2/modules"
            try FileManager.default.createDirectory(atPath: directory + "/html", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: directory + "/run", withIntermediateDirectories: true)
            try write("secret page\n", directory + "/html/index.html")
            let config = """
                ServerRoot "\(directory)"
                ServerName localhost
                Listen 127.0.0.1:\(port)
                PidFile "\(directory)/run/httpd.pid"
                DefaultRuntimeDir "\(directory)/run"
                ErrorLog "\(directory)/error.log"
                LogLevel info
                LoadModule mpm_event_module \(modules)/mod_mpm_event.so
                LoadModule authn_core_module \(modules)/mod_authn_core.so
                LoadModule authn_file_module \(modules)/mod_authn_file.so
                LoadModule authz_core_module \(modules)/mod_authz_core.so
                LoadModule authz_user_module \(modules)/mod_authz_user.so
                LoadModule auth_basic_module \(modules)/mod_auth_basic.so
                LoadModule dir_module \(modules)/mod_dir.so
                DocumentRoot "\(directory)/html"
                <Location />
                    AuthType Basic
                    AuthName "htpass test"
                    AuthBasicProvider file
                    AuthUserFile "\(userFile)"
                    Require valid-user
                </Location>

                """
            try write(config, directory + "/httpd.conf")
            try? FileManager.default.removeItem(atPath: directory + "/run/httpd.pid")
            return (try TestSupport.locate("apache2"), ["-f", directory + "/httpd.conf", "-DFOREGROUND", "-X"])
        },
        logs: ["error.log"])

    /// lighttpd 1.4 with mod_auth and mod_authn_file's htpasswd backend, in the foreground (`-D`).
    ///
    /// lighttpd holds every 401 for about a second (feature flag `auth.delay-invalid-creds`, on by default);
    /// the flag is off here so that the corpus runs in seconds: it changes when the answer comes, not what it is.
    static let lighttpd = ConsumerRecipe(
        name: "lighttpd", path: "/", reload: .everyRequest,
        configure: { directory, port, userFile in
            try FileManager.default.createDirectory(atPath: directory + "/html", withIntermediateDirectories: true)
            try write("secret page\n", directory + "/html/index.html")
            let config = """
                server.document-root = "\(directory)/html"
                server.bind = "127.0.0.1"
                server.port = \(port)
                server.errorlog = "\(directory)/error.log"
                server.modules = ( "mod_auth", "mod_authn_file" )
                index-file.names = ( "index.html" )
                auth.backend = "htpasswd"
                auth.backend.htpasswd.userfile = "\(userFile)"
                auth.require = ( "/" => ( "method" => "basic", "realm" => "htpass test", "require" => "valid-user" ) )
                server.feature-flags = ( "auth.delay-invalid-creds" => "disable" )

                """
            try write(config, directory + "/lighttpd.conf")
            return (try TestSupport.locate("lighttpd"), ["-D", "-f", directory + "/lighttpd.conf"])
        },
        logs: ["error.log"])

    /// The Docker registry (distribution 2.8) with htpasswd auth, asked on `/v2/`, storage in memory.
    ///
    /// It parses the file at the first request and again when the file's modification time changes, but
    /// after a change to a file it refuses it fails that one request and goes on with the last good copy:
    /// each file gets a fresh process.
    static let registry = ConsumerRecipe(
        name: "registry", path: "/v2/", reload: .restart,
        configure: { directory, port, userFile in
            let config = """
                version: 0.1
                log:
                  level: info
                  accesslog:
                    disabled: true
                storage:
                  inmemory: {}
                http:
                  addr: 127.0.0.1:\(port)
                auth:
                  htpasswd:
                    realm: htpass test
                    path: "\(userFile)"

                """
            try write(config, directory + "/config.yml")
            return (try TestSupport.locate("docker-registry"), ["serve", directory + "/config.yml"])
        })

    /// Traefik's BasicAuth middleware: Tests/Oracles/traefik/main.go, built by scripts/install-server-deps.sh.
    /// Traefik reads the users file when it builds the middleware: each file gets a fresh process.
    static let traefik = ConsumerRecipe(
        name: "traefik", path: "/", reload: .restart,
        configure: { _, port, userFile in
            (try Consumers.oracle("traefik/traefik-basic-auth"), ["-listen", "127.0.0.1:\(port)", "-users", userFile])
        })
}

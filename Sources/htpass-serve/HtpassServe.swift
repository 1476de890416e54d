import ArgumentParser
import CStartup
import Dispatch
import Glibc
import HtpasswdCore
import HtpasswdVerifier
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import SystemPackage
@_spi(ExperimentalCustomExecutors) @_spi(ExperimentalScheduling) import _Concurrency

/// `htpass-serve FILE`: the authorization service that reverse proxies ask for each request (nginx
/// `auth_request`, Caddy `forward_auth`, Traefik `forwardAuth`, ingress-nginx `auth-url`, Envoy
/// `ext_authz`). See Docs/serve.md.
@main
struct HtpassServe: AsyncParsableCommand {
    /// Tasks on the event loops, never on libdispatch's global queues (see ``ServeExecutorFactory``).
    typealias DefaultExecutorFactory = ServeExecutorFactory

    static let configuration = CommandConfiguration(
        commandName: "htpass-serve",
        abstract: "Answer reverse proxies' authorization requests from an htpasswd file, with a cache and throttling.",
        discussion: """
            GET /auth (any method, any path under it) checks the request's Authorization: Basic header against \
            FILE as 'htpass verify' does: 200 with X-Remote-User when it verifies; 401 with WWW-Authenticate when \
            the header is missing, malformed or wrong; 429 with Retry-After when the client or the user is \
            throttled; 503 when FILE cannot be read or parsed, or too many hashes wait. GET /healthz; GET \
            /metrics (Prometheus). FILE is read again as soon as it changes, and never written. One JSON line \
            per decision goes to standard output or --audit-log (reopened on SIGHUP). SIGTERM drains and stops.

            EXAMPLES:
              htpass-serve /etc/nginx/htpasswd
              htpass-serve --listen unix:/run/htpass/auth.sock --socket-group www-data /etc/nginx/htpasswd
              htpass serve --listen 0.0.0.0:9180 --trusted-proxy 10.0.0.0/8 --realm MLflow /srv/htpasswd
            """,
        version: "0.1.0"
    )

    @Argument(help: "The htpasswd file.")
    var file: String

    @Option(
        help: ArgumentHelp(
            "Where to listen: HOST:PORT ([::1]:PORT for IPv6) or unix:PATH (created 0660); repeatable. Default: 127.0.0.1:9180.",
            valueName: "addr"))
    var listen: [ListenAddress] = []

    @Option(help: ArgumentHelp("The group of unix sockets (a name or a number).", valueName: "group"))
    var socketGroup: String?

    @Option(help: "The realm of the WWW-Authenticate challenge.")
    var realm = "Restricted"

    @Option(
        help: ArgumentHelp(
            "The server whose reading and verdicts apply: \(Target.allCases.map(\.rawValue).joined(separator: ", ")).",
            valueName: "target"))
    var target: Target = .default

    @Option(help: ArgumentHelp("Successful verifications kept (least recently used out; 0: none).", valueName: "n"))
    var cacheSize = 10_000

    @Option(
        name: .customLong("cache-ttl"),
        help: ArgumentHelp("Seconds a successful verification is kept.", valueName: "seconds"))
    var cacheTTL: Double = 300

    @Option(help: ArgumentHelp("Failures per client address, and per user, before 429 (0: never).", valueName: "n"))
    var maxFailures = 10

    @Option(help: ArgumentHelp("The sliding window failures are counted in, in seconds.", valueName: "seconds"))
    var failureWindow: Double = 60

    @Option(
        help: ArgumentHelp(
            "A proxy whose X-Real-IP / X-Forwarded-For is believed: CIDR, an address, or 'unix'; repeatable. Default: 127.0.0.0/8, ::1, unix.",
            valueName: "cidr"))
    var trustedProxy: [TrustedNetwork] = []

    @Option(help: ArgumentHelp("Password checks that may wait for a hashing thread before 503.", valueName: "n"))
    var maxQueue = 256

    @Option(help: ArgumentHelp("Hashing threads (default: one per processor).", valueName: "n"))
    var hashThreads: Int?

    @Option(
        help: ArgumentHelp(
            "Event-loop threads, which answer every request that needs no hash (default: one per processor).",
            valueName: "n"))
    var threads: Int?

    @Option(
        help: ArgumentHelp(
            "Append the audit log here instead of standard output (reopened on SIGHUP).", valueName: "path"))
    var auditLog: String?

    @Option(
        help: ArgumentHelp(
            "Seconds a connection may stay without a request beginning or an answer ending before it is closed: idle, a header never finished, answers never read (0: never). Longer than the proxy's keep-alive timeout (nginx: 60).",
            valueName: "seconds"))
    var idleTimeout: Double = 75

    func validate() throws {
        guard cacheSize >= 0 else { throw ValidationError("--cache-size must be 0 or more") }
        guard cacheTTL > 0 else { throw ValidationError("--cache-ttl must be more than 0") }
        guard maxFailures >= 0 else { throw ValidationError("--max-failures must be 0 or more") }
        guard failureWindow > 0 else { throw ValidationError("--failure-window must be more than 0") }
        guard maxQueue >= 0 else { throw ValidationError("--max-queue must be 0 or more") }
        if let hashThreads, hashThreads < 1 { throw ValidationError("--hash-threads must be 1 or more") }
        if let threads, threads < 1 { throw ValidationError("--threads must be 1 or more") }
        guard idleTimeout >= 0, idleTimeout <= 86_400 else {
            throw ValidationError("--idle-timeout must be 0 to 86400 seconds")
        }
        if socketGroup != nil, !listen.contains(where: \.isUnixSocket) {
            throw ValidationError("--socket-group needs a --listen unix:PATH")
        }
    }

    static func main() async {
        // Before anything is read: no core file, and no ptrace by another process of the same user.
        htpass_protect_process()
        // Before any task is enqueued: tasks on the event loops (see ServeExecutorFactory).
        _createExecutors(factory: ServeExecutorFactory.self)
        do {
            var command = try parseAsRoot()
            if let serve = command as? HtpassServe {
                // Before the event loops start, which the first task does.
                if let threads = serve.threads { NIOSingletons.groupLoopCountSuggestion = threads }
                try await serve.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    func run() async throws {
        // Logs (not the audit log) go to standard error, so that standard output holds only audit lines.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "htpass-serve")
        let group = try socketGroup.map { try Self.groupID($0) }
        let audit: AuditLog
        do { audit = try AuditLog(path: auditLog) } catch { throw ServeError(error.description) }
        let threads = HashingThreads(count: hashThreads ?? System.coreCount)
        defer { threads.shutdown() }
        let cache: SuccessCache
        do { cache = try SuccessCache(capacity: cacheSize, ttl: cacheTTL) } catch { throw ServeError("\(error)") }
        // Read only, whatever this user may do: an interrupted edit is read from its journal, never finished here.
        var store = HtpasswdStore(path: FilePath(file))
        store.readersFinishInterruptedEdits = false
        let live = LiveAuthenticator(store: store, target: target)
        let service = AuthService(
            live: live,
            queue: HashingQueue(executor: threads, concurrencyLimit: threads.count, queueLimit: maxQueue),
            cache: cache, throttle: Throttle(maximumFailures: maxFailures, window: failureWindow),
            metrics: Metrics(), audit: audit,
            clients: ClientResolver(trusted: trustedProxy.isEmpty ? TrustedNetwork.defaults : trustedProxy),
            challenge: "Basic realm=\"\(Self.quoted(realm))\", charset=\"UTF-8\"", logger: logger,
            problems: ProblemReporter(logger: logger))
        // Read once now, so that a problem shows at start-up; the service starts anyway (503 until fixed).
        do { _ = try live.currentIndex() } catch { logger.error("Cannot read the htpasswd file yet: \(error)") }

        // A queue of its own: a job on libdispatch's global queues would start the thread watch that needs /proc
        // (see ServeExecutorFactory).
        let reopen = DispatchSource.makeSignalSource(
            signal: SIGHUP, queue: DispatchQueue(label: "htpass-serve.audit-log-reopen"))
        signal(SIGHUP, SIG_IGN)
        reopen.setEventHandler {
            do throws(AuditLog.AuditLogError) { try audit.reopen() } catch { logger.error("\(error.description)") }
        }
        reopen.resume()

        // Sockets 0660: group members may connect, others may not, from the moment the socket exists.
        umask(0o117)
        let addresses = listen.isEmpty ? [ListenAddress.default] : listen
        var applications: [Application<AuthResponder>] = []
        for address in addresses {
            if case .unixSocket(let path) = address { try Self.removeStaleSocket(path) }
            let announce = address
            applications.append(
                Application(
                    responder: AuthResponder(service: service),
                    server: .http1(
                        configuration: .init(additionalChannelHandlers: [
                            CacheHitHandler(
                                service: service, serverName: Self.serverName,
                                idleTimeout: idleTimeout > 0 ? .nanoseconds(Int64(idleTimeout * 1e9)) : nil)
                        ])),
                    configuration: .init(address: address.bindAddress, serverName: Self.serverName),
                    onServerRunning: { channel in
                        if case .unixSocket(let path) = announce, let group {
                            // lchown, never chown: in a directory others may write, the socket could have been
                            // replaced by a link to a file of root's, whose group a chown would change.
                            var info = stat()
                            if lstat(path, &info) != 0 || info.st_mode & S_IFMT != S_IFSOCK
                                || lchown(path, uid_t.max, group) != 0
                            {
                                logger.error(
                                    "Cannot give \(path) the group \(group): \(String(cString: strerror(errno)))")
                            }
                        }
                        let shown =
                            if case .unixSocket = announce { announce.description } else {
                                "\(announce.host):\(channel.localAddress?.port ?? announce.port)"
                            }
                        logger.info("listening on \(shown)")
                    }, logger: logger))
        }
        let first = applications.removeFirst()
        let main = Application(
            responder: first.responder, server: first.server, configuration: first.configuration,
            services: applications, onServerRunning: { await first.onServerRunning($0) }, logger: logger)
        try await main.runService()
        audit.finish()
        logger.info("stopped")
    }

    /// The `Server` header of every answer.
    static let serverName = "htpass-serve"

    /// `text` inside a quoted-string of a header.
    static func quoted(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { result += "\\" }
            if scalar.value >= 0x20 && scalar.value < 0x7F { result.unicodeScalars.append(scalar) }
        }
        return result
    }

    /// A group's number from its name or number.
    static func groupID(_ text: String) throws -> gid_t {
        if let number = gid_t(text) { return number }
        guard let entry = getgrnam(text) else { throw ValidationError("--socket-group: no group '\(text)'") }
        return entry.pointee.gr_gid
    }

    /// Removes a socket left by an earlier run at `path`; anything else there is an error.
    static func removeStaleSocket(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ServeError("\(path) exists and is not a socket; remove it or listen elsewhere")
        }
        unlink(path)
    }
}

struct ServeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import HtpasswdBasicAuth
import Hummingbird
import HummingbirdAuth

/// `hummingbird-basic-auth HTPASSWD [--host HOST] [--port PORT] [--realm REALM]`
///
/// Serves `GET /` (and `GET /whoami`) to the users of the htpasswd file HTPASSWD, asking for Basic
/// credentials; `GET /health` is open. Port 0 takes a free port. Once listening, prints
/// `listening on HOST:PORT` on standard output.
@main
struct Server {
    static func main() async throws {
        var arguments = CommandLine.arguments.dropFirst()
        var host = "127.0.0.1"
        var port = 8080
        var realm = "Restricted"
        var file: String?
        while let argument = arguments.popFirst() {
            switch argument {
            case "--host": host = try value(of: argument, &arguments)
            case "--port":
                guard let number = Int(try value(of: argument, &arguments)) else {
                    throw UsageError("--port takes a number")
                }
                port = number
            case "--realm": realm = try value(of: argument, &arguments)
            default:
                guard file == nil, !argument.hasPrefix("--") else { throw UsageError("unexpected \(argument)") }
                file = argument
            }
        }
        guard let file else { throw UsageError("give the htpasswd file") }

        let router = Router(context: BasicAuthRequestContext<AuthenticatedUser>.self)
        router.get("/health") { _, _ in "ok\n" }
        router.group()
            .add(middleware: HtpasswdAuthenticator(path: file))
            .add(middleware: RequireBasicAuthentication(realm: realm))
            .get("/") { _, context in "Hello, \(try context.requireIdentity().displayName)\n" }
            .get("/whoami") { _, context in try context.requireIdentity().displayName + "\n" }

        let address = (host: host, port: port)
        let app = Application(
            router: router,
            configuration: .init(
                address: .hostname(address.host, port: address.port), serverName: "hummingbird-basic-auth"),
            onServerRunning: { channel in
                // Unbuffered: a supervisor, or the test, waits for this line.
                let line = "listening on \(address.host):\(channel.localAddress?.port ?? address.port)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        )
        try await app.runService()
    }

    static func value(of option: String, _ arguments: inout ArraySlice<String>) throws -> String {
        guard let value = arguments.popFirst() else { throw UsageError("\(option) takes a value") }
        return value
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) {
        description = "\(message); usage: hummingbird-basic-auth HTPASSWD [--host HOST] [--port PORT] [--realm REALM]"
    }
}

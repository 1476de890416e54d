import ArgumentParser
import Hummingbird

/// A `--listen` address: `HOST:PORT`, `[IPV6]:PORT`, or `unix:PATH`.
enum ListenAddress: Equatable, Sendable, ExpressibleByArgument, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unixSocket(String)

    static let `default` = ListenAddress.tcp(host: "127.0.0.1", port: 9180)

    init?(argument: String) {
        if argument.hasPrefix("unix:") {
            let path = String(argument.dropFirst(5))
            guard !path.isEmpty else { return nil }
            self = .unixSocket(path)
            return
        }
        guard let colon = argument.lastIndex(of: ":"), let port = Int(argument[argument.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(argument[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self = .tcp(host: host, port: port)
    }

    var isUnixSocket: Bool {
        if case .unixSocket = self { return true }
        return false
    }

    var host: String {
        switch self {
        case .tcp(let host, _): host.contains(":") ? "[\(host)]" : host
        case .unixSocket: "unix"
        }
    }

    var port: Int {
        if case .tcp(_, let port) = self { return port }
        return 0
    }

    var bindAddress: BindAddress {
        switch self {
        case .tcp(let host, let port): .hostname(host, port: port)
        case .unixSocket(let path): .unixDomainSocket(path: path)
        }
    }

    var description: String {
        switch self {
        case .tcp: "\(host):\(port)"
        case .unixSocket(let path): "unix:\(path)"
        }
    }
}

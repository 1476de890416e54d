import ArgumentParser
import Glibc
import NIOCore

/// An IP network in CIDR notation (`10.0.0.0/8`, `::1/128`, a bare address for one host), or every unix
/// socket connection (`unix`), for `--trusted-proxy`.
struct TrustedNetwork: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case network(address: [UInt8], prefix: Int)
        case unixSocket
    }

    var kind: Kind
    var text: String

    /// The networks trusted when `--trusted-proxy` is not given: loopback, and unix sockets.
    static let defaults = ["127.0.0.0/8", "::1/128", "unix"].compactMap { TrustedNetwork($0) }

    init?(_ text: String) {
        self.text = text
        if text == "unix" {
            kind = .unixSocket
            return
        }
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress.bytes(String(parts[0])) else { return nil }
        let bits = address.count * 8
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...bits).contains(prefix) else { return nil }
            kind = .network(address: address, prefix: prefix)
        } else {
            kind = .network(address: address, prefix: bits)
        }
    }

    /// Whether the address `bytes` (4 or 16 bytes) is in the network.
    func contains(_ bytes: [UInt8]) -> Bool {
        guard case .network(let address, let prefix) = kind, address.count == bytes.count else { return false }
        var remaining = prefix
        for (a, b) in zip(address, bytes) {
            if remaining <= 0 { return true }
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }
}

/// IP addresses as bytes: 4 for IPv4, 16 for IPv6, an IPv4-mapped IPv6 address taken as its IPv4 one.
enum IPAddress {
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return Array(bytes[12...])
        }
        return bytes
    }

    /// The canonical text of `bytes`.
    static func text(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        guard ok else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// `--trusted-proxy CIDR`.
extension TrustedNetwork: ExpressibleByArgument {
    init?(argument: String) { self.init(argument) }
}

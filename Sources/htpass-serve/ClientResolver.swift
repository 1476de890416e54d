import NIOCore

/// Who is asking: the peer of the connection, or, when that peer is a trusted proxy, the client it names
/// in `X-Real-IP` or `X-Forwarded-For`.
struct ClientResolver: Sendable {
    var trusted: [TrustedNetwork]

    func isTrusted(_ bytes: [UInt8]) -> Bool { trusted.contains { $0.contains(bytes) } }

    /// The client's address as text: an IP address, or `unix` for a unix socket peer that names no client.
    func client(peer: SocketAddress?, realIP: String?, forwardedFor: [String]) -> String {
        let peerBytes: [UInt8]?
        let peerTrusted: Bool
        switch peer {
        case .v4, .v6:
            peerBytes = peer?.ipAddress.flatMap(IPAddress.bytes)
            peerTrusted = peerBytes.map(isTrusted) ?? false
        case .unixDomainSocket:
            peerBytes = nil
            peerTrusted = trusted.contains { $0.kind == .unixSocket }
        case .none:
            peerBytes = nil
            peerTrusted = false
        }
        let peerText = peerBytes.map(IPAddress.text) ?? (peer == nil ? "unknown" : "unix")
        guard peerTrusted else { return peerText }
        if let realIP, let bytes = IPAddress.bytes(realIP.trimmingSpaces) { return IPAddress.text(bytes) }
        // X-Forwarded-For: each proxy appends the address it saw; from the right, the first address that is
        // not a trusted proxy is the client (the left part may be forged by the client).
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { String($0).trimmingSpaces }
        var client: [UInt8]?
        for hop in hops.reversed() {
            guard let bytes = IPAddress.bytes(hop) else { break }
            client = bytes
            if !isTrusted(bytes) { break }
        }
        return client.map(IPAddress.text) ?? peerText
    }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}

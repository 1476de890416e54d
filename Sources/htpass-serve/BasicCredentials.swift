import Glibc
import HtpasswdCore

/// The user and password of an `Authorization: Basic` header (RFC 7617), as bytes: names and passwords
/// are bytes in an htpasswd file, so nothing is decoded as text (a Latin-1 password must still match).
/// The owner wipes ``password`` (``wipe(_:)``) once done with it.
struct BasicCredentials: Sendable {
    var user: [UInt8]
    var password: [UInt8]

    /// Why a header gives no credentials; each is answered 401.
    enum Problem: String, Error {
        case missing = "no Authorization header"
        case notBasic = "not Basic credentials"
        case badBase64 = "credentials not in base64"
        case noColon = "credentials without ':'"
        case emptyUser = "an empty user name"
    }

    /// The credentials of an `Authorization` header value.
    ///
    /// - Throws: ``Problem`` for a missing or malformed header.
    init(authorization: String?) throws(Problem) {
        guard let authorization else { throw .missing }
        var value = Array(authorization.utf8)
        defer { wipe(&value) }
        // `Basic`, any case, then spaces, then the token; surrounding spaces and tabs are not part of it.
        let scheme = Array("basic".utf8)
        guard value.count > scheme.count,
            zip(value.prefix(scheme.count), scheme).allSatisfy({ $0 | 0x20 == $1 }),
            value[scheme.count] == UInt8(ascii: " ")
        else { throw .notBasic }
        var start = scheme.count
        var end = value.count
        while start < end, value[start] == UInt8(ascii: " ") || value[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, value[end - 1] == UInt8(ascii: " ") || value[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        guard var decoded = Base64.decode(value[start..<end]) else { throw .badBase64 }
        defer { wipe(&decoded) }
        // The user ends at the first ':'; the password is the rest, ':' included.
        guard let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { throw .noColon }
        guard colon > 0 else { throw .emptyUser }
        user = Array(decoded[..<colon])
        password = Array(decoded[(colon + 1)...])
    }
}

/// Overwrites `bytes` with zeros and empties it (`explicit_bzero(3)`, which the optimiser may not drop),
/// for a password once it is no longer needed. Call it on the last copy: an array shares its storage with
/// its copies, and writing to a shared one makes Swift copy it first.
func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { buffer in
        if let start = buffer.baseAddress { explicit_bzero(start, buffer.count) }
    }
    bytes.removeAll()
}

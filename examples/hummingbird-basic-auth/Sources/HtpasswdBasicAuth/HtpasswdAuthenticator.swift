import Foundation
import HTTPTypes
import HtpasswdCore
import HtpasswdVerifier
import Hummingbird
import HummingbirdAuth
import NIOPosix

/// The user a request was authenticated as: the name from its credentials, as bytes.
public struct AuthenticatedUser: Sendable, Equatable {
    public var name: [UInt8]

    /// The name for a page or a log: valid UTF-8 as is, other bytes as `\xNN`.
    public var displayName: String { String(displaying: name) }
}

/// Checks a request's Basic credentials against an htpasswd file, as nginx would: the file is read on
/// every request (an edit takes effect on the next one), and an unknown user costs as much time as a
/// wrong password.
///
/// A request without credentials, or with wrong ones, goes on without an identity; put
/// ``RequireBasicAuthentication`` after this middleware to answer those with 401.
public struct HtpasswdAuthenticator<Context: AuthRequestContext<AuthenticatedUser>>: AuthenticatorMiddleware {
    public typealias Identity = AuthenticatedUser

    public let authenticator: Authenticator

    /// - Parameters:
    ///   - path: The htpasswd file.
    ///   - target: The server whose verdict to give: nginx by default (which formats verify, which line of
    ///     a user listed twice counts).
    public init(path: String, target: Target = .nginx) {
        authenticator = Authenticator(path: path, target: target)
    }

    public func authenticate(request: Request, context: Context) async throws -> AuthenticatedUser? {
        guard let credentials = BasicCredentials(authorization: request.headers[.authorization]) else { return nil }
        let authenticator = self.authenticator
        // Reading the file and one bcrypt computation take milliseconds of CPU: not on the event loop.
        let decision: Authenticator.Decision
        do {
            decision = try await NIOThreadPool.singleton.runIfActive {
                try authenticator.authenticate(user: credentials.user, password: credentials.password)
            }
        } catch let error as HtpasswdError {
            // The file is missing or unreadable: no one may in, and the operator must know (nginx: 500).
            context.logger.error("Cannot read the htpasswd file: \(error)")
            throw HTTPError(.internalServerError)
        }
        switch decision {
        case .granted:
            return AuthenticatedUser(name: credentials.user)
        case .wrongPassword, .unknownUser:
            return nil
        case .unverifiable(let line, let format):
            context.logger.warning("Line \(line) of the htpasswd file has a \(format.name) entry no password matches")
            return nil
        case .notVerifiable(let line, let refusal):
            context.logger.warning("\(authenticator.target.displayName) cannot verify line \(line): \(refusal)")
            return nil
        case .fileRefused(let line, let refusal):
            context.logger.error(
                "\(authenticator.target.displayName) refuses the file because of line \(line): \(refusal)")
            return nil
        }
    }
}

/// Answers 401 with a `WWW-Authenticate: Basic` challenge to a request that no authenticator identified.
public struct RequireBasicAuthentication<Context: AuthRequestContext<AuthenticatedUser>>: RouterMiddleware {
    public let realm: String

    public init(realm: String) {
        self.realm = realm
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard context.identity != nil else {
            let escaped = realm.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\"", with: "\\\"")
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"\(escaped)\", charset=\"UTF-8\""])
        }
        return try await next(request, context)
    }
}

/// The user and password of an `Authorization: Basic` header (RFC 7617), as bytes.
///
/// HummingbirdAuth's `headers.basic` decodes them as `String`, which turns bytes that are not UTF-8 into
/// U+FFFD: a Latin-1 password could never match. Names and passwords are bytes in an htpasswd file, so
/// they are kept as bytes here.
public struct BasicCredentials: Sendable, Equatable {
    public var user: [UInt8]
    public var password: [UInt8]

    /// The credentials of an `Authorization` header value; nil if it is missing or not Basic.
    public init?(authorization: String?) {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic" else { return nil }
        guard let decoded = Data(base64Encoded: parts[1].trimmingCharacters(in: .whitespaces)) else { return nil }
        // The user ends at the first ':'; the password is the rest, ':' included.
        guard let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        user = Array(decoded[..<colon])
        password = Array(decoded[(colon + 1)...])
    }
}

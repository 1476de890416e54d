/// The hash formats htpass writes.
public enum Algorithm: String, CaseIterable, Sendable {
    /// `$2y$`: the default; accepted by Apache (cost ≤ 17), every nginx (Alpine: cost ≤ 19), Traefik, Caddy.
    case bcrypt
    /// `$6$`: SHA-512 crypt.
    case sha512
    /// `$5$`: SHA-256 crypt.
    case sha256
    /// `$y$`: libxcrypt's default; not accepted by nginx on Alpine (musl) nor by Traefik.
    case yescrypt
    /// `$apr1$`: Apache's MD5 variant; weak but universal.
    case apr1
    /// `{SHA}`: unsalted SHA-1; weak.
    case sha1
    /// Traditional DES crypt: 13 characters, only the first 8 password bytes count; weak.
    case des

    /// The algorithm named `rawValue` (`bcrypt`, `apr1`...), nil for another name. Written out: the synthesised
    /// initialiser searches an array of `StaticString`, whose metadata the runtime would build from its mangled
    /// name on every `htpass hash -a`.
    public init?(rawValue: String) {
        guard let algorithm = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = algorithm
    }

    /// How many password bytes the algorithm uses; a longer password is refused rather than truncated.
    public var passwordLimit: Int? {
        switch self {
        case .bcrypt: 72
        case .des: 8
        default: nil
        }
    }

    /// Whether the algorithm is too fast or too short to resist an offline attack on a leaked file.
    public var isWeak: Bool {
        switch self {
        case .apr1, .sha1, .des: true
        default: false
        }
    }
}

/// A server that reads htpasswd files. Each has its own ``TargetProfile``: which hash formats it verifies
/// and how it reads a line.
public enum Target: String, CaseIterable, Hashable, Sendable {
    /// nginx linked with glibc and libxcrypt: Debian, Ubuntu, RHEL hosts, the `nginx:<version>` images.
    case nginx
    /// nginx linked with musl: the `nginx:*-alpine` images, Alpine's package, Kubernetes ingress-nginx.
    case nginxAlpine = "nginx-alpine"
    /// Apache httpd 2.4 (mod_authn_file) and Apache's `htpasswd -v`.
    case apache
    /// lighttpd's mod_authn_file, `auth.backend = "htpasswd"`.
    case lighttpd
    /// Traefik's basicAuth middleware.
    case traefik
    /// The Docker registry (distribution) with htpasswd authentication.
    case registry
    /// Envoy's basic_auth filter and Envoy Gateway.
    case envoy
    /// OpenShift's OAuth server with an HTPasswd identity provider.
    case openshift

    /// The target when none is named: nginx on a glibc system. A file is read as it reads it.
    public static let `default`: Target = .nginx

    /// The servers most files are read by, when none is named: nginx on a host or in an image, on Alpine
    /// (ingress-nginx), and Apache. Their refusals are worth a warning (``PasswordHasher/warnings``) and a
    /// flag (HtpasswdVerifier's `EntryReport.defaultTargets`). The others take few formats (Traefik, the
    /// registry, Envoy) and would make most choices look wrong; name them with a target.
    public static let common: [Target] = [.default, .nginxAlpine, .apache]

    /// The target called `name`: its own name (its `rawValue`) or one of its ``aliases``.
    public init?(name: some StringProtocol) {
        if let target = Target(rawValue: String(name)) {
            self = target
        } else if let target = Target.allCases.first(where: { $0.aliases.contains(where: { $0 == name }) }) {
            self = target
        } else {
            return nil
        }
    }

    /// The other names the target answers to: those of its packaging or of the product built on it.
    public var aliases: [String] {
        switch self {
        case .nginx, .lighttpd, .traefik, .openshift: []
        case .nginxAlpine: ["alpine", "ingress-nginx"]
        case .apache: ["httpd", "apache2"]
        case .registry: ["docker-registry", "distribution"]
        case .envoy: ["envoy-gateway"]
        }
    }

    /// The name for messages: `nginx on Alpine (musl)`.
    public var displayName: String {
        switch self {
        case .nginx: "nginx"
        case .nginxAlpine: "nginx on Alpine (musl)"
        case .apache: "Apache httpd"
        case .lighttpd: "lighttpd"
        case .traefik: "Traefik"
        case .registry: "the Docker registry"
        case .envoy: "Envoy"
        case .openshift: "OpenShift's OAuth server"
        }
    }

    /// The display names of `targets`, separated by commas (`nginx, Traefik`). A loop rather than a key path,
    /// whose runtime type lookup costs start-up time in the static executable.
    package static func displayNames(_ targets: [Target]) -> String {
        var text = ""
        for target in targets { text += (text.isEmpty ? "" : ", ") + target.displayName }
        return text
    }
}

/// Why a target cannot verify a hash, or one made a given way.
public enum TargetRefusal: Equatable, Sendable {
    /// Hashes of this format.
    case format(HashFormat)
    /// bcrypt hashes of this cost, above the target's limit.
    case bcryptCost(Int, limit: Int)
    /// bcrypt hashes with this prefix letter (`$2b$`).
    case bcryptVariant(Character)
    /// SHA-crypt hashes of this many rounds, above the target's limit.
    case shaRounds(Int, limit: Int)
    /// Passwords of this length, over the target's limit for the format.
    case passwordLength(Int, limit: Int, format: HashFormat)
}

extension TargetRefusal: CustomStringConvertible {
    public var description: String {
        switch self {
        case .format(let format): "\(format.name) hashes"
        case .bcryptCost(let cost, let limit): "bcrypt hashes of cost \(cost) (at most \(limit))"
        case .bcryptVariant(let letter): "bcrypt hashes written as $2\(letter)$"
        case .shaRounds(let rounds, let limit): "SHA-crypt hashes of \(rounds) rounds (at most \(limit))"
        case .passwordLength(let length, let limit, let format):
            "\(format.name) hashes of \(length)-byte passwords (at most \(limit) bytes)"
        }
    }
}

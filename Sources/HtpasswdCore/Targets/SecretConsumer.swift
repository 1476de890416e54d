/// A Kubernetes controller that reads an htpasswd file from a Secret: which Secret type and key it wants,
/// and which servers (target profiles) read the file.
///
/// Each wants its own shape, and a wrong key fails quietly: ingress-nginx answers 503 with nothing logged
/// when the key is not `auth`.
public enum SecretConsumer: String, CaseIterable, Sendable {
    /// Kubernetes ingress-nginx (`nginx.ingress.kubernetes.io/auth-secret`): Opaque, key `auth`; nginx on
    /// Alpine reads it.
    case ingressNginx = "ingress-nginx"
    /// NGINX Inc's Ingress Controller (`nginx.org/basic-auth-secret`): type `nginx.org/htpasswd`, key
    /// `htpasswd`; its images are Debian- and Alpine-based, so both nginx profiles apply.
    case nginxInc = "nginx-inc"
    /// Traefik's basicAuth middleware (`secret:`): Opaque, one key, `users`.
    case traefik
    /// Envoy Gateway's SecurityPolicy basicAuth: Opaque, key `.htpasswd`; `{SHA}` only.
    case envoyGateway = "envoy-gateway"
    /// OpenShift's HTPasswd identity provider (namespace openshift-config): Opaque, key `htpasswd`.
    case openshift

    /// The Secret's `type`.
    public var secretType: String {
        switch self {
        case .nginxInc: "nginx.org/htpasswd"
        default: "Opaque"
        }
    }

    /// The key the controller reads the file from.
    public var key: String {
        switch self {
        case .ingressNginx: "auth"
        case .nginxInc: "htpasswd"
        case .traefik: "users"
        case .envoyGateway: ".htpasswd"
        case .openshift: "htpasswd"
        }
    }

    /// The servers that read the file.
    public var targets: [Target] {
        switch self {
        case .ingressNginx: [.nginxAlpine]
        case .nginxInc: [.nginx, .nginxAlpine]
        case .traefik: [.traefik]
        case .envoyGateway: [.envoy]
        case .openshift: [.openshift]
        }
    }

    /// The namespace the controller expects the Secret in, when it is fixed.
    public var requiredNamespace: String? {
        self == .openshift ? "openshift-config" : nil
    }
}

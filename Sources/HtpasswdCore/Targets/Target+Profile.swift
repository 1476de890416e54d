extension Target {
    /// What this target verifies and how it reads a file.
    public var profile: TargetProfile {
        switch self {
        case .nginx: .nginx
        case .nginxAlpine: .nginxAlpine
        case .apache: .apache
        case .lighttpd: .lighttpd
        case .traefik: .traefik
        case .registry: .registry
        case .envoy: .envoy
        case .openshift: .openshift
        }
    }

    /// The algorithms htpass writes that every one of `targets` verifies, strongest first.
    public static func algorithms(verifiedByAll targets: [Target]) -> [Algorithm] {
        Algorithm.byStrength.filter { isVerified($0, byAll: targets) }
    }

    /// The algorithm to hash with when none is given: the strongest htpass writes that every one of
    /// `targets` verifies (bcrypt when no target is named, `{SHA}` for Envoy); nil when no algorithm suits
    /// them all.
    public static func strongestAlgorithm(verifiedByAll targets: [Target]) -> Algorithm? {
        // The first that suits, without making a hasher for the others (`htpass hash` asks on every run).
        Algorithm.byStrength.first { isVerified($0, byAll: targets) }
    }

    private static func isVerified(_ algorithm: Algorithm, byAll targets: [Target]) -> Bool {
        let hasher = PasswordHasher(defaultsFor: algorithm)
        return targets.allSatisfy { $0.profile.refusal(for: hasher) == nil }
    }
}

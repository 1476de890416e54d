// The profiles, one a target: what each server verifies and how it reads the file (Docs/targets.md cites the
// measurements and sources).

private let allBcrypt: TargetProfile.BcryptVariants = ["a", "b", "x", "y"]
private let libxcryptLimit = 511

private let libxcryptFamilies: TargetProfile.FamilySet = [
    .bcrypt, .sha512, .sha256, .yescrypt, .gostYescrypt, .scrypt, .md5crypt, .des, .bsdiDES, .otherCrypt,
]

private func limits(_ families: TargetProfile.FamilySet, _ limit: Int) -> TargetProfile.PasswordLimits {
    TargetProfile.PasswordLimits(families.crypt.members, limit: limit)
}

extension TargetProfile {
    /// nginx with glibc and libxcrypt: its own apr1, `{SHA}`, `{SSHA}`, `{PLAIN}`, and crypt(3) for the rest.
    static let nginx = TargetProfile(
        target: .nginx,
        families: libxcryptFamilies.union([.apr1, .sha1, .saltedSHA1, .plain]),
        bcryptVariants: allBcrypt, bcryptCostLimit: [:], shaRoundsLimit: nil,
        passwordLimit: limits(libxcryptFamilies, libxcryptLimit), cutsPasswordAtNUL: true, acceptsPlaintext: false,
        reading: .nginx,
        workers: [
            WorkerAccount(name: "www-data", uid: 33, gid: 33, context: "Debian and Ubuntu packages"),
            WorkerAccount(name: "nginx", uid: 101, gid: 101, context: "the official nginx image"),
        ])

    /// nginx with musl: no yescrypt, bcrypt up to cost 19, SHA-crypt passwords up to 256 bytes.
    static let nginxAlpine = TargetProfile(
        target: .nginxAlpine,
        families: [.bcrypt, .sha512, .sha256, .md5crypt, .des, .bsdiDES, .apr1, .sha1, .saltedSHA1, .plain],
        bcryptVariants: allBcrypt, bcryptCostLimit: ["a": 19, "b": 19, "x": 19, "y": 19],
        shaRoundsLimit: 9_999_999,
        passwordLimit: [.sha512: 256, .sha256: 256], cutsPasswordAtNUL: true, acceptsPlaintext: false,
        reading: .nginx,
        workers: [
            WorkerAccount(name: "nginx", uid: 101, gid: 101, context: "the nginx:alpine image and Alpine's package"),
            WorkerAccount(name: "www-data", uid: 101, gid: 82, context: "ingress-nginx"),
        ])

    /// Apache httpd 2.4: APR's own bcrypt (`$2y$`, `$2a$`, cost up to 17), apr1 and `{SHA}`; crypt(3) for the rest.
    static let apache = TargetProfile(
        target: .apache,
        families: libxcryptFamilies.union([.apr1, .sha1]),
        bcryptVariants: allBcrypt, bcryptCostLimit: ["a": 17, "y": 17], shaRoundsLimit: nil,
        passwordLimit: limits(libxcryptFamilies.subtracting([.bcrypt]), libxcryptLimit),
        cutsPasswordAtNUL: true, acceptsPlaintext: false,
        reading: .apache,
        workers: [
            WorkerAccount(name: "www-data", uid: 33, gid: 33, context: "Debian and Ubuntu packages"),
            WorkerAccount(name: "daemon", uid: 1, gid: 1, context: "the official httpd image"),
        ])

    /// lighttpd's mod_authn_file: its own apr1 and `{SHA}`, crypt(3) for the rest.
    static let lighttpd = TargetProfile(
        target: .lighttpd,
        families: libxcryptFamilies.union([.apr1, .sha1]),
        bcryptVariants: allBcrypt, bcryptCostLimit: [:], shaRoundsLimit: nil,
        passwordLimit: limits(libxcryptFamilies, libxcryptLimit), cutsPasswordAtNUL: true, acceptsPlaintext: false,
        reading: .lighttpd,
        workers: [WorkerAccount(name: "www-data", uid: 33, gid: 33, context: "Debian and Ubuntu packages")])

    /// Traefik: go-http-auth's comparison (apr1, md5crypt, `{SHA}`, bcrypt) over its own reading of the file.
    static let traefik = TargetProfile(
        target: .traefik,
        families: [.bcrypt, .apr1, .md5crypt, .sha1],
        bcryptVariants: allBcrypt, bcryptCostLimit: [:], shaRoundsLimit: nil,
        passwordLimit: [:], cutsPasswordAtNUL: false, acceptsPlaintext: false,
        reading: .traefik,
        workers: [WorkerAccount(name: "root", uid: 0, gid: 0, context: "the official traefik image")])

    /// The Docker registry (distribution): Go's bcrypt only.
    static let registry = TargetProfile(
        target: .registry,
        families: [.bcrypt],
        bcryptVariants: allBcrypt, bcryptCostLimit: [:], shaRoundsLimit: nil,
        passwordLimit: [:], cutsPasswordAtNUL: false, acceptsPlaintext: false,
        reading: .registry,
        workers: [WorkerAccount(name: "root", uid: 0, gid: 0, context: "the official registry image")])

    /// Envoy's basic_auth filter: `{SHA}` only (from its documentation: Envoy is not packaged by Debian).
    static let envoy = TargetProfile(
        target: .envoy,
        families: [.sha1],
        bcryptVariants: [], bcryptCostLimit: [:], shaRoundsLimit: nil,
        passwordLimit: [:], cutsPasswordAtNUL: false, acceptsPlaintext: false,
        reading: .envoy,
        workers: [WorkerAccount(name: "envoy", uid: 101, gid: 101, context: "the official envoy image")])

    /// OpenShift's OAuth server (openshift/oauth-server, pkg/authenticator/password/htpasswd): apr1,
    /// `$2y$`/`$2a$` bcrypt and `{SHA}`; not packaged, so from its source. It runs with an arbitrary uid
    /// and reads the file from a Secret, so no worker account is checked.
    static let openshift = TargetProfile(
        target: .openshift,
        families: [.bcrypt, .apr1, .sha1],
        bcryptVariants: ["a", "y"], bcryptCostLimit: [:], shaRoundsLimit: nil,
        passwordLimit: [:], cutsPasswordAtNUL: false, acceptsPlaintext: false,
        reading: .openshift,
        workers: [])
}

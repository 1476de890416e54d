extension Algorithm {
    /// The algorithms htpass writes, strongest first: the default for a set of targets is the first that
    /// all of them verify. bcrypt comes first (yescrypt is memory-hard, but every server that verifies it
    /// verifies bcrypt too, and many verify bcrypt only).
    public static let byStrength: [Algorithm] = [.bcrypt, .yescrypt, .sha512, .sha256, .apr1, .sha1, .des]
}

extension TargetProfile {
    /// Why the target cannot verify a stored hash of this format; nil if it can.
    public func refusal(for format: HashFormat) -> TargetRefusal? {
        guard let family = HashFamily(format) else { return .format(format) }
        guard verifiedFamilies.contains(family) else { return .format(format) }
        switch format {
        case .bcrypt(let variant, let cost):
            guard verifiedBcryptVariants.contains(variant) else { return .bcryptVariant(variant) }
            if let limit = bcryptCostLimits[variant], cost > limit { return .bcryptCost(cost, limit: limit) }
        case .sha512(let rounds), .sha256(let rounds):
            if let limit = shaRoundsLimit, rounds > limit { return .shaRounds(rounds, limit: limit) }
        default:
            break
        }
        return nil
    }

    /// Why the target cannot verify hashes that `hasher` makes (``PasswordHasher/format``: it writes bcrypt
    /// as `$2y$`); nil if it can.
    public func refusal(for hasher: PasswordHasher) -> TargetRefusal? {
        refusal(for: hasher.format)
    }

    /// Why the target cannot verify a password of `length` bytes against a hash of `format`; nil if it can.
    public func refusal(forPasswordOf length: Int, format: HashFormat) -> TargetRefusal? {
        guard let family = HashFamily(format), let limit = passwordLimits[family], length > limit else { return nil }
        return .passwordLength(length, limit: limit, format: format)
    }

    /// The password the target compares, given what the client sent: cut at a NUL byte by C servers.
    public func effectivePassword(_ password: [UInt8]) -> [UInt8] {
        guard cutsPasswordAtNUL, let nul = password.firstIndex(of: 0) else { return password }
        return Array(password[..<nul])
    }
}

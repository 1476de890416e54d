import ArgumentParser
import Glibc
import HtpasswdCore
import SystemPackage

/// `-a/--algorithm`, `--cost`, `--rounds` and `--target`: the plain value behind ``HashingOptions``.
///
/// Cost and rounds are checked by ``PasswordHasher`` when the command runs (status 2 or 5), not here.
struct HashChoice: Equatable, Sendable {
    /// nil: bcrypt, or with targets the strongest algorithm all of them verify.
    var algorithm: Algorithm?
    var cost: Int?
    var rounds: Int?
    var targets = TargetChoice()

    /// The hasher for this choice, after checking that every target verifies what it makes and printing
    /// the warnings about it (unless `warn` is false: see ``warn(_:targets:)``).
    ///
    /// - Throws: ``HtpasswdError/notVerifiable(by:_:)`` (status 5) when a target cannot verify the
    ///   algorithm, cost or rounds; ``CommandError`` (5) when no algorithm suits every target.
    func hasher(warn: Bool = true) throws -> (PasswordHasher, [Target]) {
        let targets = try self.targets.resolved()
        guard let algorithm = self.algorithm ?? Target.strongestAlgorithm(verifiedByAll: targets) else {
            throw CommandError(
                .rejectedInput,
                "No hash format is verified by all of \(targets.map(\.rawValue).joined(separator: ", ")); give fewer targets"
            )
        }
        var hasher: PasswordHasher
        do {
            hasher = try PasswordHasher(algorithm: algorithm, cost: cost, rounds: rounds)
            // The command decided about an empty password already (--allow-empty), as the user asked.
            hasher.allowsEmptyPassword = true
        } catch {
            // The targets chose the format: advice about other formats would name one they cannot verify.
            guard case .notApplicable(let parameter, _) = error, self.algorithm == nil, !targets.isEmpty
            else { throw error }
            let names = Target.displayNames(targets)
            let verb = targets.count == 1 ? "verifies" : "verify"
            throw CommandError(
                .usage,
                "--\(parameter.rawValue) does not apply to \(algorithm.rawValue), the strongest format \(names) \(verb); leave it out"
            )
        }
        try hasher.checkVerifiable(by: targets)
        if warn { Self.warn(hasher, targets: targets) }
        return (hasher, targets)
    }

    /// Prints the warnings about what `hasher` makes, for files read by `targets`.
    static func warn(_ hasher: PasswordHasher, targets: [Target]) {
        for warning in hasher.warnings(for: targets) {
            switch warning {
            case .notVerified:
                Output.warning(warning.description + "; name the servers that read the file with --target")
            case .weakAlgorithm(let algorithm):
                // The library's own advice is bcrypt; with targets, the strongest they verify is the one to name.
                let strongest = Target.strongestAlgorithm(verifiedByAll: targets)
                let advice =
                    switch strongest {
                    case let strongest? where strongest.isWeak:
                        Target.displayNames(targets)
                            + " \(targets.count == 1 ? "verifies" : "verify") no stronger format"
                    case let strongest?: "prefer \(strongest.rawValue) unless another reader needs it"
                    case nil: "no format suits every target"
                    }
                Output.warning(
                    "\(algorithm.rawValue) is a weak format: a leaked file is cheap to crack; \(advice)")
            }
        }
    }
}

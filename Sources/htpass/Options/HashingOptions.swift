import ArgumentParser
import HtpasswdCore

extension Algorithm: ExpressibleByArgument {
    /// The weak algorithms' names, for help: `apr1, sha1 and des`.
    static var weakNames: String {
        var names: [String] = []
        for algorithm in allCases where algorithm.isWeak { names.append(algorithm.rawValue) }
        guard let last = names.popLast() else { return "" }
        return names.isEmpty ? last : names.joined(separator: ", ") + " and " + last
    }
}

/// `-a/--algorithm`, `--cost` and `--rounds`.
struct HashingOptions: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Hash format (default \(Target.strongestAlgorithm(verifiedByAll: [])?.rawValue ?? "none"); with --target, "
                + "the strongest every target verifies); \(Algorithm.weakNames) are weak.",
            valueName: "algorithm"))
    var algorithm: Algorithm?

    @Option(
        help: ArgumentHelp(
            "bcrypt cost, \(PasswordHasher.costRange.lowerBound) to \(PasswordHasher.costRange.upperBound) "
                + "(default \(PasswordHasher.defaultCost); above \(Target.apache.profile.bcryptCostLimit["y"] ?? 31) "
                + "Apache cannot verify).",
            valueName: "n"))
    var cost: Int?

    @Option(
        help: ArgumentHelp(
            "sha256/sha512 rounds, \(PasswordHasher.roundsRange.lowerBound) to \(PasswordHasher.roundsRange.upperBound) "
                + "(default \(PasswordHasher.defaultRounds)).",
            valueName: "n"))
    var rounds: Int?

    @OptionGroup var target: TargetOptions

    var choice: HashChoice { HashChoice(algorithm: algorithm, cost: cost, rounds: rounds, targets: target.choice) }
}

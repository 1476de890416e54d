import ArgumentParser
import HtpasswdCore

extension Algorithm: ExpressibleByArgument {}

/// `-a/--algorithm`, `--cost` and `--rounds`.
struct HashingOptions: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Hash format (default bcrypt; with --target, the strongest every target verifies); apr1, sha1 and des "
                + "are weak.",
            valueName: "algorithm"))
    var algorithm: Algorithm?

    @Option(help: ArgumentHelp("bcrypt cost, 4 to 31 (default 10; above 17 Apache cannot verify).", valueName: "n"))
    var cost: Int?

    @Option(help: ArgumentHelp("sha256/sha512 rounds, 1000 to 999999999 (default 5000).", valueName: "n"))
    var rounds: Int?

    @OptionGroup var target: TargetOptions

    var choice: HashChoice { HashChoice(algorithm: algorithm, cost: cost, rounds: rounds, targets: target.choice) }
}

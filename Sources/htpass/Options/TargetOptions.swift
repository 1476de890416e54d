import ArgumentParser
import HtpasswdCore

/// `--target T[,T...]`: the servers that read the file.
struct TargetOptions: ParsableArguments {
    @Option(
        name: .customLong("target"),
        help: ArgumentHelp(
            "The servers that read the file: \(Target.namesForHelp); a comma list for several. Default: HTPASS_TARGET.",
            valueName: "targets"))
    var targets: TargetList?

    var choice: TargetChoice { TargetChoice(targets: targets?.targets) }
}

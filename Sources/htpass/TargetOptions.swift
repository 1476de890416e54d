import ArgumentParser
import Glibc
import HtpasswdCore

/// A comma list of target names (`nginx-alpine,traefik`), as `--target` and `HTPASS_TARGET` give it.
struct TargetList: ExpressibleByArgument, Equatable, Sendable {
    var targets: [Target]

    init?(argument: String) {
        var targets: [Target] = []
        for name in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let target = Target(name: name) else { return nil }
            if !targets.contains(target) { targets.append(target) }
        }
        guard !targets.isEmpty else { return nil }
        self.targets = targets
    }

    static var allValueStrings: [String] { Target.allCases.map(\.rawValue) }
}

extension Target {
    /// Every target's name, with its aliases: `nginx, nginx-alpine (also alpine, ingress-nginx), ...`.
    static var namesForHelp: String {
        allCases.map { target in
            target.aliases.isEmpty
                ? target.rawValue : "\(target.rawValue) (also \(target.aliases.joined(separator: ", ")))"
        }.joined(separator: ", ")
    }
}

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

/// The plain value behind ``TargetOptions``: the targets given, or nil for `HTPASS_TARGET`.
struct TargetChoice: Equatable, Sendable {
    var targets: [Target]?

    /// The targets: those given, else `HTPASS_TARGET`'s, else none.
    ///
    /// - Throws: ``CommandError`` (usage) for an unknown name in `HTPASS_TARGET`.
    func resolved() throws -> [Target] {
        if let targets { return targets }
        guard let value = getenv("HTPASS_TARGET").map({ String(cString: $0) }), !value.isEmpty else { return [] }
        guard let list = TargetList(argument: value) else {
            throw CommandError(
                .usage,
                "HTPASS_TARGET is '\(value)'; use one or more of \(Target.allCases.map(\.rawValue).joined(separator: ", ")), separated by commas"
            )
        }
        return list.targets
    }
}

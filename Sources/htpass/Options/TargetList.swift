import ArgumentParser
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

    /// The names for completion scripts. No `allValueStrings`: help would list the names a second time,
    /// after the list with aliases that the options' help gives.
    static var defaultCompletionKind: CompletionKind { .list(Target.allCases.map(\.rawValue)) }
}

extension Target {
    /// Every target's name, in declaration order: `nginx, nginx-alpine, apache, ...`.
    static var names: String {
        var text = ""
        for target in allCases { text += (text.isEmpty ? "" : ", ") + target.rawValue }
        return text
    }

    /// Every target's name, with its aliases: `nginx, nginx-alpine (also alpine, ingress-nginx), ...`.
    static var namesForHelp: String {
        allCases.map { target in
            target.aliases.isEmpty
                ? target.rawValue : "\(target.rawValue) (also \(target.aliases.joined(separator: ", ")))"
        }.joined(separator: ", ")
    }
}

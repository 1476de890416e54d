import Glibc
import HtpasswdCore

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

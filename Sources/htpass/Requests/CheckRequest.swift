import HtpasswdCore
import HtpasswdLint
import HtpasswdVerifier

/// `htpass check FILE`.
struct CheckRequest: Equatable, Sendable {
    var file: String
    var targets: TargetChoice
    var json: Bool
    var strict: Bool

    func run() throws {
        let path = try StandardInputFile.path(file)
        let given = try targets.resolved()
        let targets = given.isEmpty ? [Target.default] : given
        // The path of a copy of standard input says nothing about where the file will live.
        let check = FileCheck(
            store: HtpasswdStore(path: path), targets: targets,
            checksPath: !StandardInputFile.isStandardInput(file))
        var errors = 0
        var warnings = 0
        let name = RawArguments.bytes(of: [file])[0]
        if json {
            Output.write("{\"file\":" as StaticString)
            JSON.write(name)
            Output.write(",\"findings\":[" as StaticString)
        }
        var first = true
        try check.run { finding in
            if finding.severity == .error { errors += 1 } else { warnings += 1 }
            if json {
                Output.write(first ? "\n" as StaticString : ",\n")
                first = false
                Findings.json(finding, targets: targets, file: String(displaying: name))
            } else {
                Output.line(Findings.text(finding, file: String(displaying: name), targets: targets))
            }
        }
        if json { Output.line("]}") }
        if errors > 0 || (strict && warnings > 0) {
            throw CommandOutcome(status: .mismatch, message: nil)
        }
    }
}

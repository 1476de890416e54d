import ArgumentParser

/// `--lock-timeout`: how long an edit waits for another one.
struct LockTimeoutOption: ParsableArguments {
    /// nil: ``LockTimeout/defaultSeconds``, which the help states once (argument-parser would add its own
    /// "(default: 10.0)" to a default value).
    @Option(
        name: .customLong("lock-timeout"),
        help: ArgumentHelp(
            "Seconds to wait for another edit of the file to finish (default \(Int(LockTimeout.defaultSeconds))).",
            valueName: "seconds"))
    var seconds: Double?

    func validate() throws {
        if let seconds { try LockTimeout.check(seconds) }
    }
}

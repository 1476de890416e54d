import ArgumentParser
import HtpasswdCore

extension HtpasswdStore.WriteMode: ExpressibleByArgument {}

/// `--lock-timeout` and `--write-mode`, for the commands that edit a file.
struct EditOptions: ParsableArguments {
    @OptionGroup var lock: LockTimeoutOption

    @Option(
        name: .customLong("write-mode"),
        help: ArgumentHelp(
            "How the file is replaced (default auto: in place only where a rename would not reach every reader, "
                + "such as a file bind-mounted alone, a mount point, hard links; by rename elsewhere). "
                + "HTPASS_WRITE_MODE sets the default.",
            valueName: "mode"))
    var writeMode: HtpasswdStore.WriteMode?

    func choice() throws -> EditChoice {
        try EditChoice(lockTimeout: lock.seconds ?? LockTimeout.defaultSeconds, writeMode: writeMode)
    }
}

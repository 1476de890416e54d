import ArgumentParser
import HtpasswdCore

/// `--mode` and `--group`: the attributes of a file that the command creates. An existing file keeps its own.
struct NewFileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Mode of a new file, in octal (default 0640).", valueName: "octal"))
    var mode: FileMode?

    @Option(
        help: ArgumentHelp(
            "Group of a new file: the web server's, such as www-data (Debian) or nginx (Alpine, RHEL).",
            valueName: "name"))
    var group: String?

    var choice: NewFileChoice { NewFileChoice(mode: mode, group: group) }
}

/// Permission bits given in octal: `640`, `0640` or `0o640`; read, write and execute bits only (no
/// set-user-id, set-group-id or sticky bit, which have no business on a password file).
struct FileMode: ExpressibleByArgument, Equatable, Sendable {
    var bits: UInt32

    init?(argument: String) {
        var digits = Substring(argument)
        if digits.hasPrefix("0o") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.count <= 5, let value = UInt32(digits, radix: 8), value <= 0o777 else {
            return nil
        }
        bits = value
    }
}

extension HtpasswdStore.WriteMode: ExpressibleByArgument {}

/// `--lock-timeout` and `--write-mode`, for the commands that edit a file.
struct EditOptions: ParsableArguments {
    @Option(
        name: .customLong("lock-timeout"),
        help: ArgumentHelp("Seconds to wait for another edit of the file to finish (default 10).", valueName: "seconds")
    )
    var lockTimeout: Double = LockTimeout.defaultSeconds

    @Option(
        name: .customLong("write-mode"),
        help: ArgumentHelp(
            "How the file is replaced: auto (default; in place only where a rename would not reach every reader: "
                + "a file bind-mounted alone, a mount point, hard links), rename, or in-place. "
                + "HTPASS_WRITE_MODE sets the default.",
            valueName: "mode"))
    var writeMode: HtpasswdStore.WriteMode?

    func validate() throws {
        try LockTimeout.check(lockTimeout)
    }

    func choice() throws -> EditChoice { try EditChoice(lockTimeout: lockTimeout, writeMode: writeMode) }
}

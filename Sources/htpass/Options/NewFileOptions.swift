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

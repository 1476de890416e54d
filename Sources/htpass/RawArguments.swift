import Glibc
import SystemPackage

/// The bytes of positional arguments, which argument-parser and ``FastPath`` hand over as Strings.
///
/// Decoding argv replaces invalid UTF-8 with U+FFFD, so user names are read back from the raw `argv`:
/// the subcommand's positional arguments are found by the same grammar both parsers use (an option in
/// ``valueOptions`` takes the next argument as its value unless written `--option=value`; after `--`
/// everything is positional), and the k-th of them is the k-th positional value.
enum RawArguments {
    /// The options that take a value.
    static let valueOptions = [
        "--password-file", "--password-env", "--length", "--algorithm", "-a", "--cost", "--rounds", "--mode",
        "--group", "--lock-timeout", "--write-mode", "--target", "--as", "--format", "--for", "--name", "--namespace",
        "--jobs",
    ]

    /// The raw bytes of `values`, the subcommand's positional arguments in order (the file first, for the
    /// commands that take one). A value whose raw argument does not decode to it (as when a command is
    /// parsed from another list than this process's argv) is taken as its UTF-8.
    static func bytes(of values: [String]) -> [[UInt8]] {
        let raw = positionals()
        return values.indices.map { index in
            let text = Array(values[index].utf8)
            guard index < raw.count, Array(String(decoding: raw[index], as: UTF8.self).utf8) == text else {
                return text
            }
            return raw[index]
        }
    }

    /// The path named by `file`, the subcommand's first positional argument, byte for byte: a file name
    /// that is not valid UTF-8 is opened as it is, not through its lossy decoding.
    static func path(_ file: String) -> FilePath {
        FilePath(platformString: bytes(of: [file])[0].map { CChar(bitPattern: $0) } + [0])
    }

    /// Where the subcommand is in `argv`: 1, unless options came before it (``Grammar/normalize(_:)``).
    nonisolated(unsafe) static var commandIndex = 1

    /// The raw positional arguments after the subcommand.
    private static func positionals() -> [[UInt8]] {
        var result: [[UInt8]] = []
        var index = commandIndex + 1  // after the program and the subcommand
        var onlyPositionals = false
        while index < Int(CommandLine.argc) {
            let argument = raw(index)
            index += 1
            if onlyPositionals || argument.first != UInt8(ascii: "-") {
                result.append(argument)
            } else if argument == Array("--".utf8) {
                onlyPositionals = true
            } else if valueOptions.contains(where: { Array($0.utf8) == argument }) {
                index += 1
            }
        }
        return result
    }

    private static func raw(_ index: Int) -> [UInt8] {
        guard let pointer = CommandLine.unsafeArgv[index] else { return [] }
        // The bytes as UInt8 directly: an [Int8] on the way would be one more array type whose metadata the
        // runtime builds from its mangled name at start-up.
        return Array(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
    }
}

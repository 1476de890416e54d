#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The bytes of command-line arguments, which argument-parser hands over as Strings.
///
/// Decoding replaces invalid UTF-8 with U+FFFD, so a value containing U+FFFD is looked up again among
/// the raw `argv` strings: the first one at or after the previous match that decodes to the same text.
/// Every value that is valid UTF-8 is already byte-exact.
enum RawArguments {
    /// The raw bytes of `values`, which must be given in the order they appear on the command line
    /// (include earlier positional arguments, such as the file, so that they take their own slots).
    static func bytes(of values: [String]) -> [[UInt8]] {
        guard values.contains(where: { $0.unicodeScalars.contains("\u{FFFD}") }) else {
            return values.map { Array($0.utf8) }
        }
        let argv = (1..<Int(CommandLine.argc)).map { index -> [UInt8] in
            guard let pointer = CommandLine.unsafeArgv[index] else { return [] }
            return Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
        }
        var cursor = 0
        return values.map { value in
            let text = Array(value.utf8)
            guard
                let index = argv[cursor...].firstIndex(where: {
                    Array(String(decoding: $0, as: UTF8.self).utf8) == text
                })
            else { return text }
            cursor = index + 1
            return argv[index]
        }
    }
}

import Glibc
import SystemPackage

/// `-` as FILE for the commands that only read it (list, check, verify, export): the content comes from
/// standard input (`kubectl get secret ... | base64 -d | htpass list -`). It is copied to a file of its own
/// in a new private directory (mode 0700), which the store reads as any file, and removed before htpass exits.
enum StandardInputFile {
    /// The copy, once made.
    nonisolated(unsafe) private static var copy: (directory: String, file: String)?

    /// The path to read for FILE `file`: `file` itself, or for `-` a copy of standard input.
    ///
    /// - Throws: ``CommandError`` (4) when standard input cannot be read or copied.
    static func path(_ file: String) throws -> FilePath {
        guard file == "-" else { return RawArguments.path(file) }
        if let copy { return FilePath(copy.file) }
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/htpass-stdin-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CommandError(
                .fileProblem, "Cannot make a directory for standard input in '\(base)': \(Errno(rawValue: errno))")
        }
        let directory = String(cString: made)
        let file = directory + "/stdin"
        copy = (directory, file)
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw CommandError(.fileProblem, "Cannot copy standard input to '\(file)': \(Errno(rawValue: errno))")
        }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                throw CommandError(.fileProblem, "Cannot read the file from standard input: \(Errno(rawValue: errno))")
            }
            if n == 0 { break }
            var offset = 0
            while offset < n {
                let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress! + offset, n - offset) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    throw CommandError(
                        .fileProblem, "Cannot copy standard input to '\(file)': \(Errno(rawValue: errno))")
                }
                offset += written
            }
        }
        return FilePath(file)
    }

    /// Whether FILE is `-`.
    static func isStandardInput(_ file: String) -> Bool { file == "-" }

    /// Removes the copy, if one was made.
    static func remove() {
        guard let copy else { return }
        unlink(copy.file)
        rmdir(copy.directory)
        self.copy = nil
    }
}

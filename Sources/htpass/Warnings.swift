import Glibc
import HtpasswdCore

/// The non-fatal warnings of the editing commands, printed on standard error as `htpass: warning: ...`.
enum Warnings {
    /// After setting a user's hash: duplicate lines removed, and a record too long for Apache.
    static func afterSetting(_ outcome: HtpasswdFile.SetOutcome, for user: UserName) {
        if !outcome.removedDuplicateLines.isEmpty {
            let lines = outcome.removedDuplicateLines.map(String.init).joined(separator: ", ")
            Output.warning("Removed the later lines of '\(user)' (line \(lines)); only the first one counted")
        }
        recordLength(outcome.recordLength, for: user)
    }

    static func recordLength(_ length: Int, for user: UserName) {
        if length > HtpasswdFile.apacheRecordLimit {
            Output.warning(
                "The record of '\(user)' is \(length) bytes; Apache's htpasswd cannot edit a file with a record over 255"
            )
        }
    }

    /// Lines that are kept but are not entries.
    static func malformed(_ lines: [MalformedLine], in path: String) {
        guard !lines.isEmpty else { return }
        let shown = lines.prefix(5).map { String($0.lineNumber) }.joined(separator: ", ")
        let more = lines.count > 5 ? ", ..." : ""
        Output.warning(
            "'\(path)' has \(lines.count) malformed line\(lines.count == 1 ? "" : "s") (\(shown)\(more)), kept as they are; see 'htpass list --long'"
        )
    }

    /// A new file that the web server's workers, which do not run as root, cannot read.
    private static func newFile(_ path: String, attributes: HtpasswdStore.NewFileAttributes) {
        let mode = attributes.mode
        guard mode & 0o004 == 0, attributes.group == nil || mode & 0o040 == 0 else { return }
        let group = SystemGroup.name(of: attributes.group ?? getegid())
        let octal = "0" + String(mode, radix: 8)
        let fix =
            mode & 0o040 == 0
            ? "make it group-readable for the web server's group next time (--mode 640 --group www-data)"
            : "run 'chgrp www-data \(path)', or pass --group next time"
        Output.warning(
            "'\(path)' is mode \(octal), group \(group): nginx and Apache workers (www-data, nginx) cannot read it; "
                + fix)
    }

    /// After an edit that may have created the file: a new file the web server cannot read, or
    /// `--mode`/`--group` given for a file that existed and kept its own.
    static func fileAttributes(
        _ path: String, existed: Bool, _ choice: NewFileChoice, _ attributes: HtpasswdStore.NewFileAttributes
    ) {
        guard existed else { return newFile(path, attributes: attributes) }
        guard choice.mode != nil || choice.group != nil else { return }
        Output.warning(
            "'\(path)' already exists and keeps its mode, owner and group; --mode and --group apply to new files")
    }

    /// Whether something is at `path` now (following links), for telling a new file from an existing one.
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}

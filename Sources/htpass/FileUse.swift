/// What a command does with its FILE: the advice after a file error depends on it.
enum FileUse: Equatable, Sendable {
    /// No file (hash).
    case none
    /// Reads it (list, verify, check, export).
    case read
    /// Edits it (create, delete, recover).
    case edit
    /// Edits it, and `--create` makes it when it is missing (add, apply).
    case editOrCreate
}

/// A subcommand that says what it does with its FILE.
protocol FileCommand {
    static var fileUse: FileUse { get }
}

/// An error found by the command itself rather than by the libraries: it carries its status and message.
struct CommandError: Error, CustomStringConvertible {
    var status: ExitStatus
    var description: String

    init(_ status: ExitStatus, _ description: String) {
        self.status = status
        self.description = description
    }
}

/// A result that is not an error but has its own status and, perhaps, a message (verify's mismatch).
struct CommandOutcome: Error {
    var status: ExitStatus
    var message: String?
}

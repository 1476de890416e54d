import Glibc
import SystemPackage

/// A password as bytes, and whether htpass made it (then it is printed once, before the edit that stores it).
///
/// A class, so that all its copies (in the request, in ``NewPassword``) are one storage, wiped when the last
/// of them goes: a command's `run()` returns (or throws) before htpass exits, so that is before exit.
final class Password {
    private(set) var bytes: [UInt8]
    let generated: Bool

    init(bytes: [UInt8], generated: Bool = false) {
        self.bytes = bytes
        self.generated = generated
    }

    deinit {
        wipe(&bytes)
    }

    /// Prints a generated password on standard output; does nothing for a password that was given.
    func printIfGenerated() {
        if generated { Output.line(bytes) }
    }

    /// Whether something is at `path` (the store decides what; this only keeps a generated password from being
    /// printed for an edit that fails at once).
    static func fileExists(_ path: FilePath) -> Bool {
        var info = stat()
        return path.withPlatformString { lstat($0, &info) } == 0 || errno != ENOENT
    }

    /// Prints a generated password on standard output and flushes it, before the edit that stores it: a
    /// password nobody can receive (a full disk, a closed pipe) is never stored. Does nothing for a password
    /// that was given.
    ///
    /// - Throws: ``CommandError`` (status 4) when it could not be written; nothing was changed.
    func deliverIfGenerated() throws {
        guard generated else { return }
        Output.line(bytes)
        try Output.deliver("the generated password", consequence: "nothing was changed")
    }
}

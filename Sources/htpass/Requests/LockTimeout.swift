import ArgumentParser
import Glibc
import HtpasswdCore
import SystemPackage

/// `--lock-timeout`: seconds to wait for another edit, 0 or more.
enum LockTimeout {
    /// The library's default, ``HtpasswdStore/defaultLockTimeout``, in seconds.
    static let defaultSeconds = Double(HtpasswdStore.defaultLockTimeout.components.seconds)

    static func check(_ seconds: Double) throws {
        guard seconds.isFinite, seconds >= 0 else {
            throw ValidationError("--lock-timeout must be a number of seconds, 0 or more")
        }
    }
}

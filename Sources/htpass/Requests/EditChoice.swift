import ArgumentParser
import Glibc
import HtpasswdCore
import SystemPackage

/// `--lock-timeout` and `--write-mode`: the plain value behind ``EditOptions``.
struct EditChoice: Equatable, Sendable {
    var lockTimeout: Double = LockTimeout.defaultSeconds
    /// nil: `$HTPASS_WRITE_MODE`, else auto.
    var writeMode: HtpasswdStore.WriteMode?

    /// - Throws: `ValidationError` when the lock timeout is negative.
    init(lockTimeout: Double = LockTimeout.defaultSeconds, writeMode: HtpasswdStore.WriteMode? = nil) throws {
        try LockTimeout.check(lockTimeout)
        self.lockTimeout = lockTimeout
        self.writeMode = writeMode
    }

    /// The store for `path`, with these settings.
    func store(_ path: FilePath) throws -> HtpasswdStore {
        var store = HtpasswdStore(
            path: path, lockTimeout: .seconds(lockTimeout), writeMode: try writeMode ?? Self.environmentWriteMode())
        store.lockWaiting = Output.lockWaiting
        return store
    }

    /// `$HTPASS_WRITE_MODE`, or auto; an unknown value is a usage error.
    static func environmentWriteMode() throws -> HtpasswdStore.WriteMode {
        guard let value = getenv("HTPASS_WRITE_MODE").map({ String(cString: $0) }), !value.isEmpty else {
            return .auto
        }
        guard let mode = HtpasswdStore.WriteMode(rawValue: value) else {
            throw CommandError(.usage, "HTPASS_WRITE_MODE is '\(value)'; use auto, rename or in-place")
        }
        return mode
    }
}

import ArgumentParser
import Glibc
import HtpasswdCore
import SystemPackage

/// `--mode` and `--group`: the plain value behind ``NewFileOptions``.
struct NewFileChoice: Equatable, Sendable {
    var mode: FileMode?
    var group: String?

    /// The attributes for HtpasswdStore; an unknown group is a usage error.
    func attributes() throws -> HtpasswdStore.NewFileAttributes {
        var attributes = HtpasswdStore.NewFileAttributes()
        if let mode { attributes.mode = mode.bits }
        if let group {
            guard let id = SystemGroup.id(named: group) else {
                throw CommandError(
                    .usage,
                    "No group '\(group)' on this system; give the group your web server runs as (see /etc/group)")
            }
            attributes.group = id
        }
        return attributes
    }
}

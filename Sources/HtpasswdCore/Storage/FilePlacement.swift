import SystemPackage

/// Where an htpasswd file sits, as far as its readers are concerned: the facts that decide whether an
/// edit that renames a new copy over the file reaches every reader, and that a linter reports.
///
/// A rename gives the path a new inode. Readers that reach the file through another name keep the old
/// one: a hard link; a bind mount of the file alone, which pins the inode (Docker Compose's
/// `./htpasswd:/etc/nginx/htpasswd`) — seen from the container, the file is a mount point, and renaming
/// onto it fails with `EBUSY`; seen from the host, the container's mount namespace shows the mount in
/// `/proc/PID/mountinfo`. For those, an edit writes the file in place (see ``HtpasswdStore/WriteMode``).
public struct FilePlacement: Equatable, Sendable {
    /// The file the path names, after following symbolic links.
    public var target: FilePath
    /// Whether anything is at ``target``.
    public var exists = false
    /// A directory where a file should be (Docker creates one when a bind-mount source is missing).
    public var isDirectory = false
    /// Whether it is a regular file (not a FIFO, a device, a socket).
    public var isRegularFile = false
    /// Whether ``target`` is itself a mount point: a file bind-mounted alone, seen from inside.
    public var isMountPoint = false
    /// The number of hard links to the file.
    public var linkCount = 0
    /// Other places where this very file is mounted alone: in other mount namespaces (containers), or
    /// elsewhere in this one.
    public var bindMounts: [BindMount] = []
    /// Mounts, in other namespaces, of an earlier copy of this path that has since been replaced (by a
    /// rename): those readers still see the old content and will until they are restarted.
    public var staleBindMounts: [BindMount] = []
    /// How many other mount namespaces were examined, and how many could not be (not root).
    public var namespacesExamined = 0
    /// Mount namespaces whose mount tables could not be read (processes of other users, for a caller without the rights): bind mounts there are unknown.
    public var namespacesNotReadable = 0
    /// Why it could not be found out whether the file is mounted alone elsewhere (its own mount table cannot
    /// be read, its mount is not in it...); nil when it could. Then ``bindMounts`` and ``staleBindMounts``
    /// may miss some, and an edit is written in place, which reaches every reader either way.
    public var undetermined: String?

    /// The placement of a missing file at `target`: nothing exists, nothing is mounted.
    public init(target: FilePath) {
        self.target = target
    }

    /// Why a rename would not reach every reader; empty when it would.
    public var inPlaceReasons: [InPlaceReason] {
        var reasons: [InPlaceReason] = []
        if isMountPoint { reasons.append(.mountPoint) }
        if let first = bindMounts.first { reasons.append(.boundElsewhere(first, count: bindMounts.count)) }
        if linkCount > 1 { reasons.append(.hardLinks(linkCount)) }
        if let undetermined { reasons.append(.undetermined(undetermined)) }
        return reasons
    }
}

/// A mount of an htpasswd file alone, somewhere else than the path being edited.
public struct BindMount: Equatable, Sendable {
    /// A process in the mount namespace that has the mount (for `nsenter`, and to name a container).
    public var processID: Int32
    /// The namespace's inode number, as in `/proc/PID/ns/mnt`.
    public var namespace: UInt64
    /// Where the file appears in that namespace.
    public var mountPoint: FilePath
    /// Whether the mount is read-only there.
    public var readOnly: Bool
    /// Whether the mount is in htpass's own mount namespace.
    public var inOwnNamespace: Bool
}

/// Why an edit is written in place rather than by renaming a new copy over the file.
public enum InPlaceReason: Equatable, Sendable {
    /// The file is a mount point: a file bind-mounted alone, seen from inside (a rename fails with EBUSY).
    case mountPoint
    /// The file is bind-mounted alone elsewhere (`count` mounts; the first is given): a rename would leave
    /// those readers on the old inode.
    case boundElsewhere(BindMount, count: Int)
    /// The file has this many hard links: a rename would cut the others off.
    case hardLinks(Int)
    /// The caller asked for it (``HtpasswdStore/WriteMode/inPlace``).
    case requested
    /// Whether the file is mounted alone elsewhere could not be found out, for the reason given (see
    /// ``FilePlacement/undetermined``): in place is right whatever the answer.
    case undetermined(String)
}

extension InPlaceReason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .mountPoint:
            "it is a mount point (a file bind-mounted alone)"
        case .boundElsewhere(let mount, let count):
            (mount.inOwnNamespace
                ? "it is also mounted alone at '\(mount.mountPoint.display)'"
                : "it is bind-mounted alone into another mount namespace (process \(mount.processID), at '\(mount.mountPoint.display)')")
                + (count > 1 ? " and \(count - 1) more place\(count > 2 ? "s" : "")" : "")
        case .hardLinks(let count):
            "it has \(count) hard links"
        case .requested:
            "in-place writing was requested"
        case .undetermined(let why):
            "it may be bind-mounted alone elsewhere (htpass could not tell: \(why))"
        }
    }
}

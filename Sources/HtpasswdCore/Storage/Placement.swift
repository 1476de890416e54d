import CLinux
import Glibc
import SystemPackage

/// Finds the facts of ``FilePlacement``.
///
/// Mounts are matched by **mount id**, never by device number: statx(2)'s device is the inode's, which on
/// btrfs is a subvolume's own anonymous device (and on overlayfs a layer's), while the `MAJOR:MINOR` of
/// `/proc/PID/mountinfo` is the superblock's; the two differ there. So the file's mount id (`STATX_MNT_ID`,
/// the first field of mountinfo) finds its own mount in `/proc/self/mountinfo`, which gives the
/// superblock's device and the file's path inside the filesystem; a mount elsewhere whose mountinfo shows
/// the same device (mountinfo against mountinfo is consistent) and that path as its root is the file
/// mounted alone; and where that mount can be reached (`/proc/PID/root/MOUNTPOINT`), statx must show it
/// the same inode on the same device as the file. A file on overlayfs held by the upper layer is looked
/// for in the upper directory too. What cannot be decided is said in ``FilePlacement/undetermined``,
/// which makes an edit write in place: that reaches every reader.
enum Placement {
    /// The placement of `name` in the open directory `directory` (an `O_PATH` or `O_RDONLY|O_DIRECTORY`
    /// descriptor); `name` is never followed if it is a symbolic link.
    ///
    /// - Parameters:
    ///   - path: The file's path, for errors and ``FilePlacement/target``.
    ///   - otherNamespaces: Whether to look into other processes' mount namespaces (a scan of `/proc`; as a
    ///     non-root user, only the user's own processes can be read).
    /// - Throws: ``HtpasswdError/fileSystem(_:)`` (``FileSystemError/Code/systemCallFailed``) when statx(2) of the file fails other than with
    ///   `ENOENT` (nothing there). What the mount tables cannot tell is not an error: see
    ///   ``FilePlacement/undetermined``.
    static func detect(
        directory: CInt, name: FilePath.Component, path: FilePath, otherNamespaces: Bool = true
    ) throws(HtpasswdError) -> FilePlacement {
        var placement = FilePlacement(target: path)
        let file: htpass_statx_result
        do throws(SystemError) {
            guard let found = try status(of: name, in: directory) else { return placement }
            file = found
        } catch {
            throw error.at(path)
        }
        placement.exists = true
        placement.isDirectory = file.mode & UInt32(S_IFMT) == UInt32(S_IFDIR)
        placement.isRegularFile = file.mode & UInt32(S_IFMT) == UInt32(S_IFREG)
        placement.linkCount = Int(file.nlink)
        guard placement.isRegularFile else { return placement }

        if file.has_mount_root != 0 {
            placement.isMountPoint = file.is_mount_root != 0
        } else {
            // Before Linux 5.8: a file on another mount than its directory is a mount point.
            var parent = htpass_statx_result()
            guard htpass_fstatx(directory, &parent) == 0 else {
                throw .system(.stat, path: path, errno: Errno(rawValue: errno))
            }
            placement.isMountPoint = file.mount_id != 0 && parent.mount_id != 0 && file.mount_id != parent.mount_id
        }

        do throws(Undetermined) {
            try findMounts(of: file, directory: directory, name: name, otherNamespaces: otherNamespaces, &placement)
        } catch {
            placement.undetermined = error.reason
        }
        return placement
    }

    /// The placement of `target` (a path whose last component is not a symbolic link): its directory is
    /// opened and ``detect(directory:name:path:otherNamespaces:)`` does the rest.
    static func detect(_ target: FilePath, otherNamespaces: Bool = true) throws(HtpasswdError) -> FilePlacement {
        let (parent, last) = target.split
        // "/" has no last component: it is "." in itself.
        let name = last ?? "."
        let directory: Descriptor
        do throws(SystemError) { directory = try Syscall.open(parent, Self.pathOnly | O_DIRECTORY) } catch {
            // A missing directory, or a file where one should be, means no file at `target`.
            if error.errno == .noSuchFileOrDirectory || error.errno == .notDirectory {
                return FilePlacement(target: target)
            }
            throw error.at(parent)
        }
        return try detect(directory: directory.raw, name: name, path: target, otherNamespaces: otherNamespaces)
    }

    /// Linux's `O_PATH`, which Swift's Glibc module does not export: a descriptor to look up, not to read.
    private static let pathOnly: CInt = 0o10000000

    /// Why the mounts of a file could not be found out; becomes ``FilePlacement/undetermined``.
    private struct Undetermined: Error {
        var reason: String
    }

    /// One way a file shows in mount tables: a mount of the file alone shows `root` as its root, with the
    /// superblock's `device` (mountinfo's `MAJOR:MINOR`), and statx(2) of such a mount shows `status`.
    private struct Identity {
        /// The mount the file is reached through at `path`, which is not another place to read it.
        var mountID: UInt64
        var device: (UInt32, UInt32)
        /// The file's path inside its filesystem, as bytes: a FilePath would fold the "//" of a stale
        /// mount's "//deleted" into "/", and never match.
        var root: [UInt8]
        /// The root that a mount of the file alone shows once the file was replaced or removed.
        var staleRoot: [UInt8] { root + Array("//deleted".utf8) }
        var path: FilePath
        var status: htpass_statx_result
    }

    /// The identity of the file `status` (from statx(2), with its mount id) at `path` in this mount namespace,
    /// whose mount table is `table`.
    private static func identity(
        of status: htpass_statx_result, at path: FilePath, in table: [MountTable.Mount]
    ) throws(Undetermined) -> Identity {
        guard let mount = table.first(where: { $0.id == status.mount_id }) else {
            throw Undetermined(reason: "its mount (id \(status.mount_id)) is not in /proc/self/mountinfo")
        }
        // The path must still lead to this file through this mount: not a directory removed since it was
        // opened (readlink then adds " (deleted)"), nor one now hidden under another mount, nor a mount
        // whose id was given to another since statx.
        var check = htpass_statx_result()
        let reached = path.withPlatformString { htpass_statx(AT_FDCWD, $0, 1, &check) } == 0
        guard reached && check.mount_id == status.mount_id && sameInode(check, status) else {
            throw Undetermined(reason: "its path '\(path.display)' does not lead to it through its mount")
        }
        guard path.starts(with: mount.mountPoint) else {
            throw Undetermined(reason: "its path '\(path.display)' is not under its mount point")
        }
        var root = mount.rootBytes
        for component in path.components.dropFirst(mount.mountPoint.components.count) {
            if root.last != UInt8(ascii: "/") { root.append(UInt8(ascii: "/")) }
            root += FilePath(root: nil, [component]).bytes
        }
        return Identity(mountID: mount.id, device: mount.device, root: root, path: path, status: status)
    }

    /// For a file reached through an overlayfs mount and held by its upper layer, the file in the upper
    /// directory: a container may have that bind-mounted alone, and a rename through the overlay replaces
    /// it there too. Nil when the file is not on an overlay, is in a lower layer only, or the upper
    /// directory cannot be reached from here (a path in another namespace, or a relative one).
    private static func upperLayerIdentity(of file: Identity, in table: [MountTable.Mount]) -> Identity? {
        guard let mount = table.first(where: { $0.id == file.mountID }), mount.type.elementsEqual("overlay".utf8),
            let upper = mount.superOption("upperdir"), upper.first == UInt8(ascii: "/")
        else { return nil }
        let path = FilePath(bytes: upper + file.root)
        var status = htpass_statx_result()
        // overlayfs shows an upper file with the upper inode's number (its device may be the overlay's).
        guard path.withPlatformString({ htpass_statx(AT_FDCWD, $0, 1, &status) }) == 0,
            status.inode == file.status.inode, status.mode & UInt32(S_IFMT) == UInt32(S_IFREG)
        else { return nil }
        return try? identity(of: status, at: path, in: table)
    }

    /// Fills in ``FilePlacement/bindMounts`` and ``FilePlacement/staleBindMounts`` for the regular file
    /// `file` (`name` in `directory`).
    private static func findMounts(
        of file: htpass_statx_result, directory: CInt, name: FilePath.Component, otherNamespaces: Bool,
        _ placement: inout FilePlacement
    ) throws(Undetermined) {
        guard file.mount_id != 0 else {
            throw Undetermined(reason: "the kernel does not report its mount id (statx STATX_MNT_ID, Linux 5.8)")
        }
        let ownTable: [MountTable.Mount]
        do throws(SystemError) { ownTable = try MountTable.read("/proc/self/mountinfo") } catch {
            throw Undetermined(reason: "/proc/self/mountinfo cannot be read: \(error.errno)")
        }
        guard let directoryPath = realPath(fd: directory) else {
            throw Undetermined(reason: "the path of its directory cannot be read from /proc/self/fd")
        }
        let reached = try identity(of: file, at: directoryPath.appending(name), in: ownTable)
        let identities = [reached] + (upperLayerIdentity(of: reached, in: ownTable).map { [$0] } ?? [])

        func examine(_ table: [MountTable.Mount], process: Int32, namespace: UInt64, own: Bool) {
            // The namespace's root, opened the first time a mount must be confirmed; nil if it cannot be.
            var root: Descriptor?
            var rootOpened = false
            for entry in table {
                for identity in identities where entry.id != identity.mountID && entry.device == identity.device {
                    let stale = entry.rootBytes == identity.staleRoot
                    guard stale || entry.rootBytes == identity.root else { continue }
                    // A mount hidden under this very mount point is not another place to read the file.
                    if own && entry.mountPoint == identity.path { continue }
                    if !stale {
                        // Confirmed by its inode where the mount can be reached: statx of its mount point,
                        // resolved inside that namespace's root, lands on this very mount and must show the
                        // file's inode and device. Where it cannot be reached (the process ended, another
                        // mount on top of it, which may be unmounted again), the mount table's word stands: a
                        // false match costs an in-place write, a missed one a reader left on the old file.
                        if !rootOpened {
                            root = Descriptor.open(own ? "/" : "/proc/\(process)/root", Self.pathOnly | O_DIRECTORY)
                            rootOpened = true
                        }
                        if let rootFD = root?.raw, showsAnotherFile(entry, identity, in: rootFD) { continue }
                    }
                    let found = BindMount(
                        processID: process, namespace: namespace, mountPoint: entry.mountPoint,
                        readOnly: entry.readOnly, inOwnNamespace: own)
                    if stale {
                        placement.staleBindMounts.append(found)
                    } else {
                        placement.bindMounts.append(found)
                    }
                }
            }
        }

        guard let ownNamespace = Namespaces.mountNamespace(of: "self") else {
            throw Undetermined(reason: "/proc/self/ns/mnt cannot be read: \(Errno(rawValue: errno))")
        }
        examine(ownTable, process: getpid(), namespace: ownNamespace, own: true)
        guard otherNamespaces else { return }
        var seen: Set<UInt64> = [ownNamespace]
        let listed = Namespaces.forEachProcess { process in
            guard let namespace = Namespaces.mountNamespace(of: String(process)) else {
                // Not ours to read (another user's process, as a non-root user), or gone.
                if errno == EACCES || errno == EPERM { placement.namespacesNotReadable += 1 }
                return
            }
            guard !seen.contains(namespace) else { return }
            let table: [MountTable.Mount]
            do throws(SystemError) { table = try MountTable.read(FilePath("/proc/\(process)/mountinfo")) } catch {
                // A process that ended leaves its namespace to the next process in it, if any.
                if error.errno != .noSuchFileOrDirectory && error.errno != .noSuchProcess {
                    placement.namespacesNotReadable += 1
                }
                return
            }
            seen.insert(namespace)
            placement.namespacesExamined += 1
            examine(table, process: process, namespace: namespace, own: false)
        }
        if let failure = listed {
            throw Undetermined(reason: "the processes in /proc cannot be listed: \(failure)")
        }
    }

    /// statx(2) of `name` in `directory`, not following a symbolic link; nil if nothing is there.
    private static func status(of name: FilePath.Component, in directory: CInt) throws(SystemError)
        -> htpass_statx_result?
    {
        var info = htpass_statx_result()
        while name.withPlatformString({ htpass_statx(directory, $0, 1, &info) }) != 0 {
            if errno == ENOENT { return nil }
            if errno != EINTR { throw SystemError(.stat, errno: errno) }
        }
        return info
    }

    /// Whether the mount point of `entry`, resolved inside the namespace whose root is open as `root`, lands
    /// on that very mount and shows a file other than `identity`'s.
    private static func showsAnotherFile(_ entry: MountTable.Mount, _ identity: Identity, in root: CInt) -> Bool {
        var seen = htpass_statx_result()
        return entry.mountPoint.withPlatformString({ htpass_statx_in_root(root, $0, &seen) }) == 0
            && seen.mount_id == entry.id && !sameInode(seen, identity.status)
    }

    /// Whether two statx(2) results are the same inode. Both come from statx, so their devices compare
    /// (never compare statx's device with mountinfo's: they differ on btrfs).
    private static func sameInode(_ a: htpass_statx_result, _ b: htpass_statx_result) -> Bool {
        a.inode == b.inode && a.dev_major == b.dev_major && a.dev_minor == b.dev_minor
    }

    /// The canonical absolute path of `path` (`realpath(3)`), or nil.
    static func realPath(_ path: FilePath) -> FilePath? {
        guard let resolved = path.withPlatformString({ Glibc.realpath($0, nil) }) else { return nil }
        defer { free(resolved) }
        return FilePath(platformString: resolved)
    }

    /// The absolute path of the open file or directory `fd`, from the link `/proc/self/fd/FD`; nil if it
    /// cannot be read or is not a path (a pipe, a socket). For a removed directory the kernel adds
    /// `" (deleted)"`: callers that must be sure the path still leads to `fd` check it.
    static func realPath(fd: CInt) -> FilePath? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count)
        // A full buffer may be a truncated path.
        guard length > 0, length < buffer.count, buffer[0] == CChar(UInt8(ascii: "/")) else { return nil }
        buffer[length] = 0
        return FilePath(platformString: buffer)
    }
}

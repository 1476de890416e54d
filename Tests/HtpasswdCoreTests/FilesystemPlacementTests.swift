import Foundation
import Glibc
import SystemPackage
import TestSupport
import Testing

@testable import HtpasswdCore

/// An edit of a file that a container has bind-mounted alone (`./htpasswd:/etc/nginx/htpasswd`) must be
/// written in place, or the container keeps the old file: a deleted user still logs in. Finding that mount
/// compared statx(2)'s device with `/proc/PID/mountinfo`'s, which differ on btrfs (a subvolume's anonymous
/// device against the filesystem's) and on overlayfs; it now goes by mount id. Each test makes a real
/// filesystem (a loop-mounted image, a tmpfs, an overlay), a mount namespace with the file bind-mounted
/// alone, and runs the built `htpass` from the host: the container must see the edit at once, the inode
/// must be kept, and `htpass check` must report the mount. Then the same with `/proc` hidden from htpass,
/// where it cannot tell and must write in place and say so.
///
/// Needs root (mount, losetup, unshare) and fails without it; a test skips, saying why, only when the
/// kernel lacks the filesystem.
@Suite("Bind mounts of a file alone, found on btrfs, XFS, ext4, tmpfs and overlayfs", .serialized)
struct FilesystemPlacementTests {
    static let users = ["alice", "bob", "carol", "dave"]

    static func content(_ users: [String]) -> [UInt8] {
        Array(users.map { "\($0):\(StoreSupport.apr1Hash)\n" }.joined().utf8)
    }

    @Test(
        "btrfs, top level: delete reaches the container at once",
        .enabled(if: ScratchFilesystem.kernelSupports("btrfs"), "the kernel has no btrfs (/proc/filesystems)"))
    func btrfs() throws {
        try Self.expectEditReachesContainer(on: .btrfs)
    }

    @Test(
        "btrfs subvolume mounted with -o subvol=: delete reaches the container at once",
        .enabled(if: ScratchFilesystem.kernelSupports("btrfs"), "the kernel has no btrfs (/proc/filesystems)"))
    func btrfsSubvolume() throws {
        try Self.expectEditReachesContainer(on: .btrfsSubvolume)
    }

    @Test(
        "XFS: delete reaches the container at once",
        .enabled(if: ScratchFilesystem.kernelSupports("xfs"), "the kernel has no XFS (/proc/filesystems)"))
    func xfs() throws {
        try Self.expectEditReachesContainer(on: .xfs)
    }

    @Test(
        "ext4: delete reaches the container at once",
        .enabled(if: ScratchFilesystem.kernelSupports("ext4"), "the kernel has no ext4 (/proc/filesystems)"))
    func ext4() throws {
        try Self.expectEditReachesContainer(on: .ext4)
    }

    @Test(
        "tmpfs: delete reaches the container at once",
        .enabled(if: ScratchFilesystem.kernelSupports("tmpfs"), "the kernel has no tmpfs (/proc/filesystems)"))
    func tmpfs() throws {
        try Self.expectEditReachesContainer(on: .tmpfs)
    }

    @Test(
        "overlayfs, the file in the upper directory, mounted and edited there: delete reaches the container",
        .enabled(if: ScratchFilesystem.kernelSupports("overlay"), "the kernel has no overlayfs (/proc/filesystems)"))
    func overlayUpper() throws {
        try Self.expectEditReachesContainer(on: .overlay, bindMerged: false, editMerged: false)
    }

    @Test(
        "overlayfs, the file in the upper directory, mounted and edited through the merged view",
        .enabled(if: ScratchFilesystem.kernelSupports("overlay"), "the kernel has no overlayfs (/proc/filesystems)"))
    func overlayMerged() throws {
        try Self.expectEditReachesContainer(on: .overlay, bindMerged: true, editMerged: true)
    }

    @Test(
        "overlayfs, the file mounted from the upper directory and edited through the merged view",
        .enabled(if: ScratchFilesystem.kernelSupports("overlay"), "the kernel has no overlayfs (/proc/filesystems)"))
    func overlayUpperMountedMergedEdited() throws {
        try Self.expectEditReachesContainer(on: .overlay, bindMerged: false, editMerged: true)
    }

    @Test(
        "btrfs subvolume: a container's mount of the file hidden under another mount still counts",
        .enabled(if: ScratchFilesystem.kernelSupports("btrfs"), "the kernel has no btrfs (/proc/filesystems)"))
    func hiddenMountStillCounts() throws {
        let filesystem = try ScratchFilesystem(.btrfsSubvolume)
        defer { filesystem.tearDown() }
        let file = filesystem.root + "/htpasswd"
        let other = filesystem.root + "/other"
        try TestSupport.writeBytes(Self.content(Self.users), to: file)
        try TestSupport.writeBytes(Array("other:x\n".utf8), to: other)
        let container = try TestSupport.temporaryDirectory("htpass-fs-container")
        // The file, then another file over it at the same place: the mount table lists both, and statx of
        // the place reaches the other one. The file's mount is hidden, not gone (unmounting the other shows
        // it again), so it still counts: the confirmation by inode must not drop it.
        let namespace = try MountNamespace(
            privateDirectory: container,
            binds: [
                .init(file, at: container + "/htpasswd", readOnly: true),
                .init(other, at: container + "/htpasswd", readOnly: true),
            ])
        defer { namespace.stop() }
        #expect(try TestSupport.readBytes(namespace.view(container + "/htpasswd")) == Array("other:x\n".utf8))

        let placement = try Placement.detect(FilePath(file))
        #expect(placement.undetermined == nil)
        #expect(
            placement.bindMounts.filter { $0.processID == namespace.processID }.map(\.mountPoint) == [
                FilePath(container + "/htpasswd")
            ])
        let inode = try TestSupport.inode(file)
        let delete = try TestSupport.htpass(["delete", file, "bob"])
        #expect(delete.status == 0, "\(delete.stderrText)")
        #expect(try TestSupport.inode(file) == inode, "the file was replaced by a rename, not written in place")
    }

    // MARK: The scenario

    /// Where the file lives, what the container mounts, and what htpass is given.
    struct Layout {
        var file: String
        var mounted: String
        var edited: String
    }

    /// Makes a filesystem of `kind` with a file in it, bind-mounts the file alone into a new mount namespace
    /// (a container with a root of its own), and checks what the library, `htpass delete` and `htpass check`
    /// make of it, then `htpass delete` again with `/proc` hidden. For an overlay, the file is written
    /// through the merged view, so it lives in the upper directory; `bindMerged` and `editMerged` choose the
    /// path that the container mounts and that htpass edits (the upper directory's otherwise).
    static func expectEditReachesContainer(
        on kind: ScratchFilesystem.Kind, bindMerged: Bool = false, editMerged: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let filesystem = try ScratchFilesystem(kind)
        defer { filesystem.tearDown() }
        try #require(mkdir(filesystem.root + "/srv", 0o755) == 0)
        let merged = filesystem.root + "/srv/htpasswd"
        try TestSupport.writeBytes(content(users), to: merged)
        let inUpper = filesystem.upper.map { $0 + "/srv/htpasswd" }
        let layout = Layout(
            file: inUpper ?? merged, mounted: bindMerged ? merged : inUpper ?? merged,
            edited: editMerged ? merged : inUpper ?? merged)
        if let inUpper {
            try #require(try TestSupport.readBytes(inUpper) == content(users), "not in the upper directory")
        }
        let inode = try TestSupport.inode(layout.file)

        // What broke detection by device number: statx's device is not the mount table's.
        let devices = try Self.devices(of: layout.edited)
        if kind == .btrfs || kind == .btrfsSubvolume || (kind == .overlay && editMerged) {
            #expect(
                devices.statx != devices.mountTable,
                "statx \(devices.statx) and mountinfo \(devices.mountTable) agree here: this case tests less than it should"
            )
        }
        print(
            "\(kind.rawValue): '\(layout.edited)' has device \(devices.statx.0):\(devices.statx.1) in statx, "
                + "\(devices.mountTable.0):\(devices.mountTable.1) in mountinfo")

        let container = try TestSupport.temporaryDirectory("htpass-fs-container")
        let mountPoint = container + "/htpasswd"
        let namespace = try MountNamespace(
            privateDirectory: container, binds: [.init(layout.mounted, at: mountPoint, readOnly: true)])
        defer { namespace.stop() }
        let view = namespace.view(mountPoint)
        try #require(try TestSupport.readBytes(view) == content(users), "the container does not see the file")

        try expectPlacement(of: layout.edited, mountedIn: namespace, at: mountPoint, sourceLocation: sourceLocation)

        // htpass on the host, in the default mode: in place, and the container sees it at once.
        let delete = try TestSupport.htpass(["delete", layout.edited, "bob"])
        #expect(delete.status == 0, "\(delete.stderrText)", sourceLocation: sourceLocation)
        #expect(
            delete.stderrText.contains(
                "in place because it is bind-mounted alone into another mount namespace (process \(namespace.processID), at '\(mountPoint)')"
            ), "stderr: \(delete.stderrText)", sourceLocation: sourceLocation)
        #expect(
            try TestSupport.inode(layout.file) == inode, "the file was replaced by a rename, not written in place",
            sourceLocation: sourceLocation)
        #expect(
            try TestSupport.readBytes(view) == content(["alice", "carol", "dave"]),
            "the container still sees the deleted user", sourceLocation: sourceLocation)

        let check = try TestSupport.htpass(["check", layout.edited])
        let report = check.stdoutText + check.stderrText
        #expect(
            report.contains("is bind-mounted alone at '\(mountPoint)' (process \(namespace.processID))"),
            "htpass check: \(report)", sourceLocation: sourceLocation)
        #expect(!report.contains("[stale-bind-mount]"), "htpass check: \(report)", sourceLocation: sourceLocation)

        // Without /proc, htpass cannot tell who else mounts the file: it writes in place, which reaches
        // every reader, and says why.
        let blind = try htpassWithoutProc(["delete", layout.edited, "carol"])
        #expect(blind.status == 0, "\(blind.stderrText)", sourceLocation: sourceLocation)
        #expect(
            blind.stderrText.contains(
                "in place because it may be bind-mounted alone elsewhere (htpass could not tell: "),
            "stderr: \(blind.stderrText)", sourceLocation: sourceLocation)
        #expect(
            try TestSupport.inode(layout.file) == inode, "without /proc, the file was replaced by a rename",
            sourceLocation: sourceLocation)
        #expect(
            try TestSupport.readBytes(view) == content(["alice", "dave"]),
            "without /proc, the container still sees the deleted user", sourceLocation: sourceLocation)
    }

    /// The library's placement of `path`, through both entry points and both kinds of directory descriptor:
    /// the container's mount, and nothing undetermined.
    static func expectPlacement(
        of path: String, mountedIn namespace: MountNamespace, at mountPoint: String, sourceLocation: SourceLocation
    ) throws {
        let target = FilePath(path)
        let name = try #require(target.lastComponent)
        let parent = target.removingLastComponent()
        var placements = [try Placement.detect(target)]
        // O_PATH, which Swift's Glibc module does not export; and a directory opened for reading.
        for flags in [0o10000000 | O_DIRECTORY, O_RDONLY | O_DIRECTORY] {
            let directory = open(parent.string, flags | O_CLOEXEC)
            try #require(directory >= 0, "open \(parent): \(String(cString: strerror(errno)))")
            defer { close(directory) }
            #expect(Placement.realPath(fd: directory) == Placement.realPath(parent), sourceLocation: sourceLocation)
            placements.append(try Placement.detect(directory: directory, name: name, path: target))
        }
        for placement in placements {
            #expect(placement.target == target, sourceLocation: sourceLocation)
            #expect(placement.undetermined == nil, sourceLocation: sourceLocation)
            #expect(
                placement.exists && placement.isRegularFile && !placement.isMountPoint, sourceLocation: sourceLocation)
            let mounts = placement.bindMounts.filter { $0.processID == namespace.processID }
            #expect(mounts.map(\.mountPoint) == [FilePath(mountPoint)], "\(placement)", sourceLocation: sourceLocation)
            #expect(mounts.allSatisfy { $0.readOnly && !$0.inOwnNamespace }, sourceLocation: sourceLocation)
            #expect(placement.staleBindMounts.isEmpty, sourceLocation: sourceLocation)
            #expect(
                placement.inPlaceReasons.contains {
                    if case .boundElsewhere = $0 { true } else { false }
                }, sourceLocation: sourceLocation)
        }
    }

    /// The device of `path` as stat(2) shows it (statx shows the same), and the device of its mount in
    /// `/proc/self/mountinfo`.
    static func devices(of path: String) throws -> (statx: (UInt32, UInt32), mountTable: (UInt32, UInt32)) {
        var info = stat()
        try #require(stat(path, &info) == 0)
        let device = UInt64(info.st_dev)
        let major = UInt32(truncatingIfNeeded: ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff))
        let minor = UInt32(truncatingIfNeeded: (device & 0xff) | ((device >> 12) & ~0xff))
        let table = try MountTable.read("/proc/self/mountinfo")
        let resolved = try #require(Placement.realPath(FilePath(path)))
        let mount = try #require(
            table.filter { resolved.starts(with: $0.mountPoint) }.max {
                $0.mountPoint.components.count < $1.mountPoint.components.count
            })
        return ((major, minor), mount.device)
    }

    /// Runs the htpass under test in a mount namespace of its own whose `/proc` is an empty tmpfs: it can
    /// read no mount table, no mount namespace and no `/proc/self/fd`.
    static func htpassWithoutProc(_ arguments: [String]) throws -> TestSupport.Output {
        try TestSupport.run(
            try TestSupport.locate("unshare"),
            [
                "-m", "--propagation", "private", "--", "/bin/sh", "-c",
                #"mount -t tmpfs htpass-no-proc /proc && exec "$0" "$@""#, TestSupport.htpassBinary,
            ] + arguments)
    }
}

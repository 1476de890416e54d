import Foundation
import Glibc

/// A filesystem of one test's own, made with the real tools and mounted under a new temporary directory:
/// a loop-mounted image (btrfs, a btrfs subvolume mounted with `-o subvol=`, XFS, ext4), a tmpfs, or an
/// overlay whose upper directory is on a tmpfs and whose lower directory is on the temporary directory's
/// filesystem (so the overlay's files show another device than the overlay's own, as on a Docker host).
///
/// Needs root, as ``MountNamespace`` does, and fails otherwise; ``kernelSupports(_:)`` tells whether the
/// running kernel has a filesystem type, for a test to skip with that reason. ``tearDown()`` (also run by
/// `deinit`) unmounts everything and detaches the loop device.
public final class ScratchFilesystem: @unchecked Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case btrfs
        /// A subvolume, mounted alone with `-o subvol=`: its files show the subvolume's anonymous device in
        /// statx(2), the filesystem's in `/proc/PID/mountinfo`.
        case btrfsSubvolume = "btrfs-subvolume"
        case xfs
        case ext4
        case tmpfs
        case overlay

        /// The name in `/proc/filesystems`.
        public var type: String {
            switch self {
            case .btrfs, .btrfsSubvolume: "btrfs"
            case .xfs: "xfs"
            case .ext4: "ext4"
            case .tmpfs: "tmpfs"
            case .overlay: "overlay"
            }
        }
    }

    public let kind: Kind
    /// The temporary directory that holds the image and the mount points.
    public let base: String
    /// Where files go: the mount point; for an overlay, the merged view.
    public let root: String
    /// For an overlay, its upper directory (on a tmpfs): the files written through ``root`` live here.
    public let upper: String?
    /// The loop device holding the image, if any.
    public private(set) var loopDevice: String?
    /// The mount points made, to unmount last first.
    private var mounts: [String] = []

    /// Whether the running kernel has filesystem `type` (`/proc/filesystems`).
    public static func kernelSupports(_ type: String) -> Bool {
        guard let table = try? String(contentsOfFile: "/proc/filesystems", encoding: .utf8) else { return false }
        return table.split(separator: "\n").contains { $0.split(separator: "\t").last.map(String.init) == type }
    }

    /// Makes and mounts a filesystem of `kind`.
    ///
    /// - Throws: ``MountNamespace/Failure`` when not root, when loop devices are missing, or when a tool
    ///   fails (with its output); ``TestSupport/MissingProgram`` when `mkfs.btrfs`, `mkfs.xfs`... are
    ///   missing (scripts/install-test-deps.sh installs them).
    public init(_ kind: Kind) throws {
        try MountNamespace.requireRoot()
        self.kind = kind
        base = try TestSupport.temporaryDirectory("htpass-fs-\(kind.rawValue)")
        root = base + "/mnt"
        upper = kind == .overlay ? base + "/upper-fs/upper" : nil
        mkdir(root, 0o755)
        do {
            try make()
        } catch {
            tearDown()
            throw error
        }
    }

    private func make() throws {
        switch kind {
        case .tmpfs:
            try mount(["-t", "tmpfs", "-o", "size=64m", "htpass-test", root])
        case .overlay:
            let upperFS = base + "/upper-fs"
            let lower = base + "/lower"
            for directory in [upperFS, lower] { mkdir(directory, 0o755) }
            try mount(["-t", "tmpfs", "-o", "size=64m", "htpass-test", upperFS])
            for directory in [upperFS + "/upper", upperFS + "/work"] { mkdir(directory, 0o755) }
            try mount([
                "-t", "overlay", "-o", "lowerdir=\(lower),upperdir=\(upperFS)/upper,workdir=\(upperFS)/work",
                "htpass-test", root,
            ])
        case .btrfs, .btrfsSubvolume, .xfs, .ext4:
            guard access("/dev/loop-control", F_OK) == 0 else {
                throw MountNamespace.Failure(description: "/dev/loop-control is missing: this test needs loop devices")
            }
            let image = base + "/image"
            // Sparse; btrfs needs about 110 MB at least, XFS 300 MB.
            try Self.tool("truncate", ["-s", "300M", image])
            switch kind {
            case .xfs: try Self.tool("mkfs.xfs", ["-q", image])
            case .ext4: try Self.tool("mkfs.ext4", ["-q", "-F", image])
            default: try Self.tool("mkfs.btrfs", ["-q", image])
            }
            let device = try Self.tool("losetup", ["--find", "--show", image])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            loopDevice = device
            if kind == .btrfsSubvolume {
                // The subvolume is made through the top level, which is then unmounted: only the subvolume's
                // own mount remains, as with a distribution's `/home` on `subvol=@home`.
                let top = base + "/top"
                mkdir(top, 0o755)
                try mount([device, top])
                try Self.tool("btrfs", ["-q", "subvolume", "create", top + "/sub"])
                try unmount(top)
                try mount(["-o", "subvol=sub", device, root])
            } else {
                try mount([device, root])
            }
        }
    }

    /// Unmounts everything, last first, detaches the loop device and removes ``base``; safe to call twice.
    /// A mount still busy is detached lazily, and a loop device still in use (a mount namespace not yet
    /// gone) is detached by the kernel when its last user goes (`losetup -d` sets autoclear).
    public func tearDown() {
        while let point = mounts.last {
            if (try? unmount(point)) == nil {
                _ = try? TestSupport.run(TestSupport.locate("umount"), ["-l", point])
                mounts.removeLast()
            }
        }
        if let device = loopDevice {
            _ = try? TestSupport.run(TestSupport.locate("losetup"), ["-d", device])
            loopDevice = nil
        }
        // The image holds tens of megabytes once made: remove it and the rest, unless something is still
        // mounted there (then removing would reach into the mount).
        let table = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? base
        if !table.contains(base + "/") { try? FileManager.default.removeItem(atPath: base) }
    }

    deinit { tearDown() }

    private func mount(_ arguments: [String]) throws {
        try Self.tool("mount", arguments)
        mounts.append(arguments.last!)
    }

    private func unmount(_ point: String) throws {
        try Self.tool("umount", [point])
        mounts.removeAll { $0 == point }
    }

    /// Runs `program`; its standard output, or a failure with what it said.
    @discardableResult
    private static func tool(_ program: String, _ arguments: [String]) throws -> String {
        let output = try TestSupport.run(try TestSupport.locate(program), arguments)
        guard output.status == 0 else {
            throw MountNamespace.Failure(
                description: "\(program) \(arguments.joined(separator: " ")) failed (\(output.status)): "
                    + output.stderrText + output.stdoutText)
        }
        return output.stdoutText
    }
}

import CLinux
import Glibc
import SystemPackage

/// Why a path was refused (``HtpasswdError/unsafePath(path:at:refusal:)``).
public enum PathRefusal: Equatable, Sendable {
    /// A symbolic link in a sticky, world-writable directory (`/tmp`) owned by neither the caller nor the
    /// directory's owner: the kernel's `protected_symlinks` rule, applied whatever the sysctl says.
    case protectedSymlink(linkOwner: UInt32, directoryOwner: UInt32)
    /// A step from a directory or link owned by `fromOwner` (neither root nor the caller) to something owned
    /// by another user, `toOwner`: `fromOwner` could put anything there (systemd's "unsafe transition").
    case unsafeTransition(fromOwner: UInt32, toOwner: UInt32)
}

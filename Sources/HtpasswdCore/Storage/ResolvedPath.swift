import CLinux
import Glibc
import SystemPackage

/// A path resolved once, safely: the directory that holds the file, open, and the file's name in it.
///
/// Everything the store does afterwards is relative to ``directory`` (`openat`, `renameat`, `linkat`,
/// `unlinkat`, all without following a final link), so a directory or link swapped after the walk cannot
/// send a write elsewhere. ``PathResolution/withResolved(_:finalMayBeDirectory:_:)`` owns the directory's
/// descriptor and closes it when its body returns: a `ResolvedPath` is a view, valid only inside that body.
struct ResolvedPath {
    /// The directory, open with `O_RDONLY | O_DIRECTORY` where it may be read (so it can be synced), and
    /// with `O_PATH` otherwise. Borrowed: never closed here.
    var directory: CInt
    /// Its status, for the owner rule the file must also pass (``PathResolution/checkTransition(from:to:at:)``).
    var directoryInfo: stat
    /// The file's name in ``directory``: never a link (one is followed during the walk).
    var name: FilePath.Component
    /// The path the walk arrived at (links followed), for messages and the journal's mark.
    var path: FilePath
    /// Why the directory could not be opened for reading (it is then open with `O_PATH`, which cannot be
    /// synced); nil when it could.
    var unreadable: Errno? = nil

    /// Syncs the directory, so that a name created or removed in it survives a power cut.
    func syncDirectory() throws(SystemError) {
        if let unreadable { throw SystemError(.open, errno: unreadable.rawValue) }
        try Syscall.syncDirectory(fd: directory)
    }
}

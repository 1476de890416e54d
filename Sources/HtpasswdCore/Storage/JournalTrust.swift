import Glibc
import SystemPackage

/// Which journal may be believed. Anyone who may create files in the file's directory may leave a file
/// under a journal's name, and a journal rolled forward is written over the file with the rights of whoever
/// runs htpass (root): so a journal is used only when
/// - it is in the file's own directory, looked up through that directory's descriptor, never followed
///   through a link, never a FIFO or anything but a regular file;
/// - its owner is root, the caller, or the file's owner — nobody else, whatever the file's mode or groups
///   say (a user that /etc/passwd does not list can still own files, through subordinate uids);
/// - its header names the file's device and inode, or the token of the file's mark.
/// Anything else under the journal's name that a trusted user does not own is reported
/// (``HtpasswdError/untrustedJournal(path:journal:owner:)``), never used and never removed.
extension Journal {
    /// The file being recovered.
    struct Context {
        var resolved: ResolvedPath
        var file: CInt
        var info: stat

        /// The file's path, for messages.
        var path: FilePath { resolved.path }
        /// The journal's name and path in the file's directory.
        var journalName: FilePath.Component { Journal.name(for: resolved.name) }
        var journalPath: FilePath { resolved.path.split.directory.appending(journalName) }

        /// Whether the journal with `header` is this file's: the same inode and, unless the journal's token
        /// is the one in the file's mark (`byToken`), the same device (device numbers can change at boot).
        func isTarget(_ header: Header, byToken: Bool) -> Bool {
            header.inode == UInt64(info.st_ino) && (byToken || header.device == UInt64(info.st_dev))
        }

        /// Whether a file owned by `owner` may be written over the file: root, the caller, the file's owner.
        func trusts(_ owner: uid_t) -> Bool {
            owner == 0 || owner == geteuid() || owner == info.st_uid
        }
    }

    /// What is under the journal's name.
    enum Lookup: ~Copyable {
        /// Nothing.
        case absent
        /// Something of a trusted owner that is not a journal (not a regular file, no journal's header).
        case unusable
        /// Something of an owner ``Context/trusts(_:)`` does not trust: never used, never removed.
        case untrusted(owner: uid_t)
        /// A journal of a trusted owner, open, and its header.
        case journal(Descriptor, Header)
    }

    /// The journal next to the file of `context`. Never follows a link, never blocks (a FIFO), never opens
    /// anything but a regular file; hands out only a trusted owner's journal.
    ///
    /// - Throws: When something is there but cannot be examined, opened or read: never taken for absent.
    static func lookUp(_ context: Context) throws(HtpasswdError) -> Lookup {
        let name = context.journalName
        let path = context.journalPath
        let directory = context.resolved.directory
        let info: stat?
        do throws(SystemError) { info = try Syscall.lstat(in: directory, name) } catch { throw error.at(path) }
        guard let info else { return .absent }
        guard context.trusts(info.st_uid) else { return .untrusted(owner: info.st_uid) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .unusable }
        // Replaced by a link since: not a journal.
        guard let journal = try openRegular(name, in: directory, at: path) else { return .unusable }
        do throws(SystemError) {
            let opened = try Syscall.fstat(journal.raw)
            // Replaced since it was examined (only a program that ignores the locks does that).
            guard FileID(opened) == FileID(info) else {
                return context.trusts(opened.st_uid) ? .unusable : .untrusted(owner: opened.st_uid)
            }
            var bytes = [UInt8](repeating: 0, count: headerSize)
            var read: Int
            repeat {
                read = bytes.withUnsafeMutableBytes { pread(journal.raw, $0.baseAddress, headerSize, 0) }
            } while read < 0 && errno == EINTR
            if read < 0 { throw SystemError(.read, errno: errno) }
            guard read == headerSize, let header = decode(bytes) else { return .unusable }
            return .journal(journal, header)
        } catch {
            throw error.at(path)
        }
    }

    /// `name` in `directory`, open for reading without following a link or blocking; nil if it is a link.
    private static func openRegular(
        _ name: FilePath.Component, in directory: CInt, at path: FilePath
    ) throws(HtpasswdError) -> Descriptor? {
        do throws(SystemError) {
            return try Syscall.open(in: directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        } catch {
            if error.errno.rawValue == ELOOP { return nil }
            throw error.at(path)
        }
    }
}

import CLinux
import Glibc
import SystemPackage

/// The journal of an edit written in place: a complete, synced copy of the new content, kept next to the
/// file as `.NAME.htpass-journal` while the file itself is overwritten. This file holds its format: the
/// header, the mark on the file's inode, and their names. The other parts: JournalCommit.swift (writing an
/// edit through the journal), JournalRecovery.swift (finishing an interrupted one), JournalTrust.swift
/// (which journal may be believed).
///
/// An in-place edit, once its new content is in a temporary file (after room for a header),
/// 1. reserves the room the new content needs in the file (`fallocate`, where the file system can), so that
///    the usual failures (no space, a quota) come before anything is marked;
/// 2. marks the file's inode with an extended attribute, `user.htpass.journal`, saying *pending* and naming
///    the journal (its directory's device and inode, a random token, its path), and syncs the file so that
///    the mark outlasts a power cut;
/// 3. writes the header into the temporary file, syncs it, and links it under the journal's name, which
///    must be free — the commit point: a journal under that name is always complete — and syncs the
///    directory;
/// 4. turns the mark to *committed* and syncs the file; only then overwrites the file from the first
///    changed byte, truncates it, syncs it;
/// 5. removes the journal, syncs the directory, and removes the mark.
///
/// A failure before the commit point removes the mark and leaves the file untouched. A failure writing the
/// file is retried once; if it fails again the edit throws ``HtpasswdError/editPending(path:journal:failure:)``:
/// the journal is complete, and the next edit (or `htpass recover`) finishes it. If the writer dies
/// (SIGKILL, power loss) after the commit point, the file may be neither old nor new; the next htpass run on
/// the file finds the mark (or the journal) and finishes the write ("rolls forward") before anything else.
///
/// A journal is believed only in the file's own directory (the one the path was resolved to, by
/// descriptor), only if it names the file's device and inode (or the token of the file's mark), and only
/// if root, the caller or the file's owner owns it (JournalTrust.swift). A mark whose journal is in another
/// directory — the same file bind-mounted alone into a container, whose htpass journals in the container's
/// directory — is finished only from there; elsewhere, a committed mark stops edits
/// (``HtpasswdError/interruptedEditElsewhere(path:journal:)``) rather than write over a torn file, and a
/// pending one (the file was not written under it) is cleared. On a file system without extended
/// attributes, the journal is found by its name next to the file only.
enum Journal {
    static let headerSize = 256
    static let magic = "htpass-journal 2"
    static let markName = "user.htpass.journal"
    static let suffix = ".htpass-journal"

    struct Header: Equatable {
        var device: UInt64
        var inode: UInt64
        /// The size of the new content.
        var size: Int
        /// The first byte of the content that differs from the file's old content.
        var firstChange: Int
        /// Whether the inode was marked (see ``Mark``); false where extended attributes are unsupported.
        var marked: Bool
        var token: String
    }

    /// The extended attribute on the file during an in-place edit:
    /// `v2 STATE NAMESPACE DEVICE INODE TOKEN PATH`, STATE `pending` until the journal is complete under its
    /// name and the file is about to be written, then `committed` (`v1 NAMESPACE TOKEN PATH` from earlier
    /// versions, always taken as committed).
    struct Mark: Equatable {
        /// Whether the file may have been written: false until the journal is complete and durable.
        var committed: Bool
        /// The mount namespace of the writer (its inode in `/proc/self/ns/mnt`), 0 if unknown. It decides
        /// only for a v1 mark; in a v2 mark it tells a person reading the attribute which container wrote it.
        var namespace: UInt64
        /// The device and inode of the journal's directory; nil in a v1 mark.
        var directory: FileID?
        var token: String
        /// The journal's absolute path, in the writer's mount namespace.
        var journal: FilePath

        var bytes: [UInt8] {
            let head =
                if let directory {
                    "v2 \(committed ? "committed" : "pending") \(namespace) \(directory.device) \(directory.inode) \(token) "
                } else {
                    "v1 \(namespace) \(token) "
                }
            return Array(head.utf8) + journal.bytes
        }

        init(committed: Bool, namespace: UInt64, directory: FileID?, token: String, journal: FilePath) {
            self.committed = committed
            self.namespace = namespace
            self.directory = directory
            self.token = token
            self.journal = journal
        }

        init?(_ bytes: [UInt8]) {
            let space = UInt8(ascii: " ")
            func number(_ field: ArraySlice<UInt8>) -> UInt64? { UInt64(String(decoding: field, as: UTF8.self)) }
            if bytes.starts(with: "v2 ".utf8) {
                let fields = bytes.split(separator: space, maxSplits: 6, omittingEmptySubsequences: false)
                let state = fields.count == 7 ? String(decoding: fields[1], as: UTF8.self) : ""
                guard fields.count == 7, state == "pending" || state == "committed",
                    let namespace = number(fields[2]), let device = number(fields[3]), let inode = number(fields[4]),
                    !fields[5].isEmpty, !fields[6].isEmpty
                else { return nil }
                self.init(
                    committed: state == "committed", namespace: namespace,
                    directory: FileID(device: device, inode: inode), token: String(decoding: fields[5], as: UTF8.self),
                    journal: FilePath(bytes: fields[6]))
            } else if bytes.starts(with: "v1 ".utf8) {
                let fields = bytes.split(separator: space, maxSplits: 3, omittingEmptySubsequences: false)
                guard fields.count == 4, let namespace = number(fields[1]), !fields[2].isEmpty, !fields[3].isEmpty
                else { return nil }
                self.init(
                    committed: true, namespace: namespace, directory: nil,
                    token: String(decoding: fields[2], as: UTF8.self), journal: FilePath(bytes: fields[3]))
            } else {
                return nil
            }
        }
    }

    /// The journal's name for the file called `name`: `.NAME.htpass-journal`, in the file's directory.
    static func name(for name: FilePath.Component) -> FilePath.Component {
        TemporaryFile.component(prefix: ".", name, suffix: suffix, [])
    }

    static func encode(_ header: Header) -> [UInt8] {
        var text = Array(
            "\(magic) \(header.device) \(header.inode) \(header.size) \(header.firstChange) \(header.marked ? 1 : 0) \(header.token)"
                .utf8)
        text += [UInt8](repeating: UInt8(ascii: " "), count: headerSize - 1 - text.count)
        text.append(0x0A)
        return text
    }

    static func decode(_ bytes: [UInt8]) -> Header? {
        guard bytes.count == headerSize, bytes.last == 0x0A else { return nil }
        let fields = bytes.dropLast().split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
        guard fields.count == 8, fields[0] + " " + fields[1] == magic, let device = UInt64(fields[2]),
            let inode = UInt64(fields[3]), let size = Int(fields[4]), let first = Int(fields[5]),
            size >= 0, first >= 0, first <= size, fields[6] == "0" || fields[6] == "1"
        else { return nil }
        return Header(
            device: device, inode: inode, size: size, firstChange: first, marked: fields[6] == "1", token: fields[7])
    }

    /// The mark on the open file `fd`, or nil.
    static func mark(of fd: CInt) -> Mark? { try? readMark(fd) }

    /// The mark on the open file `fd`; nil if it has none. Throws when the attribute cannot be read (the
    /// mark may then be there), ENOTSUP or EOPNOTSUPP where the file system has no extended attributes, and
    /// EBADMSG for an attribute under the mark's name that is not a mark this version reads (one written by
    /// a later version): that edit may be unfinished, so it is never taken for no mark.
    static func readMark(_ fd: CInt) throws(SystemError) -> Mark? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 128)
        while true {
            let count = buffer.withUnsafeMutableBytes { htpass_fgetxattr(fd, markName, $0.baseAddress, $0.count) }
            if count >= 0 {
                guard let mark = Mark(Array(buffer[..<count])) else {
                    throw SystemError(.readAttribute, errno: EBADMSG)
                }
                return mark
            }
            if errno == EINTR { continue }
            if errno == ENODATA { return nil }
            // ERANGE: longer than any mark this version writes.
            if errno == ERANGE { throw SystemError(.readAttribute, errno: EBADMSG) }
            throw SystemError(.readAttribute, errno: errno)
        }
    }

    /// The writer's mount namespace, for the mark.
    static var ownNamespace: UInt64 { Namespaces.mountNamespace(of: "self") ?? 0 }

    /// Sets `mark` on the open file `fd`.
    static func setMark(_ mark: Mark, on fd: CInt) throws(SystemError) {
        let bytes = mark.bytes
        while bytes.withUnsafeBytes({ htpass_fsetxattr(fd, markName, $0.baseAddress, $0.count) }) != 0 {
            if errno == EINTR { continue }
            throw SystemError(.setAttribute, errno: errno)
        }
    }

    /// Removes the mark from the open file `fd`; a missing mark counts as removed.
    static func removeMark(_ fd: CInt, _ target: FilePath) throws(HtpasswdError) {
        while htpass_fremovexattr(fd, markName) != 0 {
            if errno == EINTR { continue }
            if errno == ENODATA { return }
            throw .system(.removeAttribute, path: target, errno: Errno(rawValue: errno))
        }
    }

    /// Whether `error` says the file system has no extended attributes.
    static func unsupported(_ error: SystemError) -> Bool {
        error.errno.rawValue == ENOTSUP || error.errno.rawValue == EOPNOTSUPP
    }
}

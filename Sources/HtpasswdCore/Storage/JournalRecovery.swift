import Glibc
import SystemPackage

/// Finishing an interrupted in-place edit: the one place where a journal is rolled forward, whoever asks
/// (an edit before it starts, `htpass recover`, a reader that may write the file). A reader that may not
/// reads the journal's new content instead (``openContent(_:)``).
extension Journal {
    /// What ``recover(_:)`` found and did.
    enum Found: Equatable {
        /// A complete journal, written over the file.
        case rolledForward
        /// A journal of a trusted owner that does not belong to the file as it is now, removed.
        case discardedStale
        /// A mark whose journal was never committed or already removed, cleared.
        case clearedMark
    }

    /// Whether an edit of the file may be unfinished: something under the journal's name next to it, or a
    /// mark on it (or a mark that cannot be read). Cheap, and without the lock.
    static func pending(_ resolved: ResolvedPath, file: CInt?) -> Bool {
        // A name that cannot be looked up may be a journal: recovery then says why it cannot proceed.
        do throws(SystemError) {
            if try Syscall.lstat(in: resolved.directory, name(for: resolved.name)) != nil { return true }
        } catch {
            return true
        }
        if let file {
            do throws(SystemError) { return try readMark(file) != nil } catch { return !unsupported(error) }
        }
        return false
    }

    /// Finishes an interrupted in-place edit of the file in `context` (open read-write and locked by the
    /// caller).
    ///
    /// - Throws: ``HtpasswdError/interruptedEditElsewhere(path:journal:)`` for a committed mark whose journal is
    ///   in another directory; ``HtpasswdError/untrustedJournal(path:journal:owner:)`` for something under the
    ///   journal's name that root, the caller and the file's owner do not own;
    ///   ``HtpasswdError/editPending(path:journal:failure:)`` when the roll-forward fails twice; a file error.
    static func recover(_ context: Context) throws(HtpasswdError) -> [Found] {
        var found: [Found] = []
        let target = context.path
        // A mark, journal or inode that cannot be read is an error, never taken for absent: that would
        // discard a complete journal and leave the file half-written.
        var mark: Mark?
        var marksUnsupported = false
        do throws(SystemError) { mark = try readMark(context.file) } catch {
            guard unsupported(error) else { throw error.at(target) }
            marksUnsupported = true
        }

        // The journal, if a trusted one is there: owned here, closed when this returns.
        var journal: Descriptor?
        var header: Header?
        let lookup = try lookUp(context)
        switch consume lookup {
        case .absent:
            break
        case .untrusted(let owner):
            throw .untrustedJournal(path: target, journal: context.journalPath, owner: owner)
        case .unusable:
            try discard(context, &found)
        case .journal(let opened, let read):
            journal = consume opened
            header = read
        }
        let journalFD = journal?.raw ?? -1

        if let mark {
            if let header, header.token == mark.token, context.isTarget(header, byToken: true) {
                try complete(journal: journalFD, header, context, mark: mark)
                found.append(.rolledForward)
                return found
            }
            if mark.committed && !isOwnDirectory(mark, context) {
                // Another view of the file (a container, the host) holds the journal: only it can finish.
                throw .interruptedEditElsewhere(path: target, journal: mark.journal)
            }
            // Pending (the file was not written under it), or committed here and its journal gone (the
            // edit was finished but for the mark).
            try removeMark(context.file, target)
            found.append(.clearedMark)
        }
        guard let header else { return found }
        // A journal without a mark: written where there are no extended attributes, or stale.
        if (!header.marked || marksUnsupported) && context.isTarget(header, byToken: false) {
            try complete(journal: journalFD, header, context, mark: nil)
            found.append(.rolledForward)
        } else {
            try discard(context, &found)
        }
        return found
    }

    /// Whether `mark` names the file's own directory: by its device and inode (v2), or, for a v1 mark
    /// (no identity), by the writer's mount namespace and the directory's path.
    private static func isOwnDirectory(_ mark: Mark, _ context: Context) -> Bool {
        if let recorded = mark.directory { return recorded == FileID(context.resolved.directoryInfo) }
        return mark.namespace != 0 && mark.namespace == ownNamespace
            && Placement.realPath(fd: context.resolved.directory) == mark.journal.split.directory
    }

    /// Removes what is under the journal's name (a trusted owner's; ``lookUp(_:)`` said so) and syncs the
    /// directory.
    private static func discard(_ context: Context, _ found: inout [Found]) throws(HtpasswdError) {
        do throws(SystemError) {
            try Syscall.remove(in: context.resolved.directory, context.journalName)
            try context.resolved.syncDirectory()
        } catch {
            throw error.call == .unlink ? error.at(context.journalPath) : error.at(context.path.split.directory)
        }
        found.append(.discardedStale)
    }

    /// The complete new content of an interrupted edit of the file in `context`, for a reader that may not
    /// finish the edit itself, open and positioned at the content; nil if there is
    /// no trusted journal of this file next to it.
    static func openContent(_ context: Context) -> OpenContent? {
        var marksUnsupported = false
        var mark: Mark?
        do throws(SystemError) { mark = try readMark(context.file) } catch { marksUnsupported = unsupported(error) }
        let lookup: Lookup
        do throws(HtpasswdError) { lookup = try lookUp(context) } catch { return nil }
        guard case .journal(let journal, let header) = consume lookup else { return nil }
        let belongs =
            if let mark {
                header.token == mark.token && context.isTarget(header, byToken: true)
            } else {
                (!header.marked || marksUnsupported) && context.isTarget(header, byToken: false)
            }
        guard belongs, lseek(journal.raw, off_t(headerSize), SEEK_SET) == off_t(headerSize) else { return nil }
        return OpenContent(file: journal, size: header.size)
    }
}

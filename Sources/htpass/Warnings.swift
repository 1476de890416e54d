import Glibc
import HtpasswdCore
import HtpasswdVerifier
import SystemPackage

/// The non-fatal messages of the editing commands, on standard error: `htpass: warning: ...` for what may
/// need attention, `htpass: note: ...` for what htpass did differently and why.
enum Warnings {
    /// After an edit: what it did to other lines, how it was written, and what is odd about the file.
    static func afterEdit(_ report: HtpasswdStore.EditReport, path: FilePath) {
        let outcome = report.outcome
        var duplicates: [(user: UserName, lines: [Int])] = []
        for removed in outcome.removedDuplicates {
            if duplicates.last?.user == removed.user {
                duplicates[duplicates.count - 1].lines.append(removed.line)
            } else {
                duplicates.append((removed.user, [removed.line]))
            }
        }
        for (user, lines) in duplicates {
            let numbers = lines.map(String.init).joined(separator: ", ")
            Output.warning("Removed the later lines of '\(user)' (line \(numbers)); only the first one counted")
        }
        for record in outcome.longRecords { recordLength(record.length, for: record.user) }
        malformed(count: outcome.malformedCount, sample: outcome.malformedSample, in: path)
        write(report.write, path: path)
    }

    /// How the edit was written, when that is worth knowing.
    static func write(_ write: HtpasswdStore.WriteReport, path: FilePath) {
        if write.finishedInterruptedEdit {
            Output.note("Finished an interrupted edit of '\(path.display)' before this one")
        }
        if let failure = write.syncFailure {
            Output.warning(
                "The edit of '\(path.display)' is written, but syncing its directory failed (\(failure)), so a power "
                    + "cut may still undo it; check the file system (dmesg)")
        }
        if write.method == .inPlace, let reason = write.inPlaceReasons.first, reason != .requested {
            Output.note(
                "Wrote '\(path.display)' in place because \(reason), which a rename would not reach; "
                    + "mounting its directory instead keeps edits atomic for readers")
        }
        // Mounts of the file alone that a rename left on the old inode. Write mode auto writes such a file in
        // place, so only an explicit rename (--write-mode rename, HTPASS_WRITE_MODE) gets here with some.
        var placement = write.placement
        var cutOff = write.method == .rename ? placement?.bindMounts ?? [] : []
        if write.method == .rename && placement == nil && !write.created {
            // The store does not report the placement of a rename (yet): look now. After the rename, the
            // mounts of the replaced file show as stale ones.
            placement = try? HtpasswdStore(path: path).placement()
            cutOff = placement?.staleBindMounts ?? []
            placement?.staleBindMounts = []
        }
        if let first = cutOff.first {
            Output.warning(
                "Replaced '\(path.display)' by rename as asked, but \(InPlaceReason.boundElsewhere(first, count: cutOff.count)): "
                    + "readers there keep the old file until they restart; restart them, and use --write-mode auto, "
                    + "which keeps the file's inode for them")
        }
        for stale in placement?.staleBindMounts ?? [] {
            Output.warning(
                "Process \(stale.processID) still reads an earlier, replaced copy of '\(path.display)' "
                    + "(mounted alone at '\(stale.mountPoint.display)' in another mount namespace); "
                    + "restart that container to make it read the current file")
        }
    }

    static func recordLength(_ length: Int, for user: UserName) {
        if length > HtpasswdFile.apacheRecordLimit {
            Output.warning(
                "The record of '\(user)' is \(length) bytes; Apache's htpasswd cannot edit a file with a record over \(HtpasswdFile.apacheRecordLimit)"
            )
        }
    }

    /// Lines that are kept but are not entries.
    static func malformed(count: Int, sample: [MalformedLine], in path: FilePath) {
        guard count > 0 else { return }
        let shown = sample.map { String($0.lineNumber) }.joined(separator: ", ")
        let more = count > sample.count ? ", ..." : ""
        Output.warning(
            "'\(path.display)' has \(count) malformed line\(count == 1 ? "" : "s") (\(shown)\(more)), kept as they are; see 'htpass list --long'"
        )
    }

    /// A new file that no usual worker account of a target may read by its mode, owner and group (nginx and
    /// Apache workers do not run as root). A group given with `--group` and made readable is taken as the
    /// server's own. The directories above are left out: a container reads a mounted file without them.
    private static func newFile(_ path: FilePath, attributes: HtpasswdStore.NewFileAttributes, targets: [Target]) {
        let mode = attributes.mode
        guard attributes.group == nil || mode & 0o040 == 0 else { return }
        let denied = (targets.isEmpty ? [.default] : targets).filter { target in
            let workers = target.profile.workers
            return !workers.isEmpty && !workers.contains { $0.canRead(path, throughDirectories: false) }
        }
        guard let first = denied.first?.profile.workers.first else { return }
        let group = SystemGroup.name(of: attributes.group ?? getegid())
        let octal = "0" + String(mode, radix: 8)
        let names = denied.map { target in
            "\(target.displayName) (\(target.profile.workers.map { $0.name ?? "uid \($0.uid)" }.joined(separator: ", ")))"
        }
        let who = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names.last!
        let workerGroup = Findings.groupArgument(for: first)
        let fix =
            mode & 0o040 == 0
            ? "make it group-readable for their group next time (--mode 640 --group \(workerGroup))"
            : "run 'chgrp \(workerGroup) \(path.display)', or pass --group next time"
        Output.warning(
            "'\(path.display)' is mode \(octal), group \(group): the workers of \(who) cannot read it; " + fix)
    }

    /// After an edit that may have created the file: a new file the servers that read it (`targets`, or the
    /// default target) cannot read, or `--mode`/`--group` given for a file that existed and kept its own.
    static func fileAttributes(
        _ path: FilePath, existed: Bool, _ choice: NewFileChoice, _ attributes: HtpasswdStore.NewFileAttributes,
        targets: [Target] = []
    ) {
        guard existed else { return newFile(path, attributes: attributes, targets: targets) }
        guard choice.mode != nil || choice.group != nil else { return }
        Output.warning(
            "'\(path.display)' already exists and keeps its mode, owner and group; --mode and --group apply to new files"
        )
    }
}

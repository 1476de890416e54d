import Glibc
import HtpasswdCore
import SystemPackage

/// The path: who may read the file, through which directories and mounts, and whether it is safe.
extension FileCheck {
    /// Reports findings about the path; false when there is no file to read.
    func checkPath(_ placement: FilePlacement, _ report: (Finding) -> Void) -> Bool {
        func path(
            _ id: FindingID, _ severity: Finding.Severity, _ message: String, target: Target? = nil,
            blockingDirectory: FilePath? = nil
        ) {
            var finding = Finding(line: nil, user: nil, severity: severity, id: id, target: target, message: message)
            finding.blockingDirectory = blockingDirectory
            report(finding)
        }
        let name = store.path.display
        guard placement.exists else {
            path(
                .notFound, .error,
                "'\(name)' does not exist: servers answer 500 or 403 to every request")
            return false
        }
        guard !placement.isDirectory else {
            path(
                .isDirectory, .error,
                "'\(name)' is a directory (Docker makes one when a bind-mount source is missing): servers answer 500"
            )
            return false
        }
        guard placement.isRegularFile else {
            path(.notRegularFile, .error, "'\(name)' is not a regular file: it holds no users for a server to read")
            return false
        }
        let access = PathAccess(placement.target)
        if let mode = access.fileMode {
            if mode & 0o002 != 0 {
                path(
                    .worldWritable, .error,
                    "'\(name)' is writable by every local user (mode 0\(String(mode & 0o777, radix: 8))): anyone on the machine can change the users"
                )
            } else if mode & 0o004 != 0 {
                path(
                    .worldReadable, .warning,
                    "'\(name)' is readable by every local user (mode 0\(String(mode & 0o777, radix: 8))), hashes included"
                )
            }
        }
        for directory in access.writableDirectories {
            path(
                .writableDirectory, .warning,
                "'\(directory.display)' is writable by others than its owner: they could replace '\(name)'"
            )
        }
        // Which packaging runs the server is not known: one account of its usual ones that can read the file
        // is taken for a deliberate setup (a file given to www-data's group serves Debian's nginx, not the
        // official image's uid 101).
        for target in targets {
            let workers = target.profile.workers
            guard !workers.isEmpty, !workers.contains(where: { access.canRead(as: $0) }) else { continue }
            let names = workers.map { "\($0.name ?? "uid \($0.uid)") (\($0.context))" }.joined(separator: ", ")
            let blocker = access.firstUnsearchableDirectory(for: workers[0])
            let stop = blocker.map { directory in
                " ('\(directory.display)' stops \(workers[0].name ?? "uid \(workers[0].uid)"))"
            }
            path(
                .notReadableByWorker, .error,
                "No account the workers of \(target.displayName) run as can read '\(name)' through every parent directory\(stop ?? ""): \(names); every request gets 500 or 403",
                target: target, blockingDirectory: blocker)
        }
        if placement.isMountPoint {
            path(
                .singleFileBindMount, .warning,
                "'\(name)' is a file bind-mounted alone: edits must be written in place, and readers may see one half-written"
            )
        }
        for mount in placement.bindMounts {
            path(
                .singleFileBindMount, .warning,
                "'\(name)' is bind-mounted alone at '\(mount.mountPoint.display)' (process \(mount.processID)): edits must be written in place, and readers may see one half-written"
            )
        }
        for mount in placement.staleBindMounts {
            path(
                .staleBindMount, .error,
                "Process \(mount.processID) reads an earlier copy of '\(name)' mounted alone at '\(mount.mountPoint.display)', which an edit by rename replaced: it does not see the current users"
            )
        }
        if placement.linkCount > 1 {
            path(
                .hardLinks, .warning,
                "'\(name)' has \(placement.linkCount) hard links: edits must be written in place for every name to see them"
            )
        }
        return true
    }
}

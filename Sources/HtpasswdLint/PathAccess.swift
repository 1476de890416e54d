import Glibc
import HtpasswdCore
import SystemPackage

extension WorkerAccount {
    /// Whether this account can read the file at `path` (root always can; true when there is no file) and,
    /// with `throughDirectories`, search every directory above it. A file bind-mounted into a container is
    /// read without the host's directories: leave them out there.
    public func canRead(_ path: FilePath, throughDirectories: Bool = true) -> Bool {
        PathAccess(path).canRead(as: self, throughDirectories: throughDirectories)
    }
}

/// The permission facts of a path, from its directory chain.
struct PathAccess {
    /// The directories from the root down to the file's, with their status.
    private var directories: [(path: FilePath, info: stat)] = []
    private var file: stat?

    init(_ target: FilePath) {
        var info = stat()
        if target.withPlatformString({ stat($0, &info) }) == 0 { file = info }
        let real = target.withPlatformString { realpath($0, nil) }
        defer { free(real) }
        guard let real else { return }
        var path = FilePath(platformString: real)
        var chain: [FilePath] = []
        while path.removeLastComponent() { chain.append(path) }
        for directory in chain.reversed() {
            var info = stat()
            if directory.withPlatformString({ stat($0, &info) }) == 0 { directories.append((directory, info)) }
        }
    }

    var fileMode: UInt32? { file.map { UInt32($0.st_mode) } }

    /// Directories writable by group or others (without the sticky bit for others).
    var writableDirectories: [FilePath] {
        directories.filter { entry in
            let mode = UInt32(entry.info.st_mode)
            if mode & 0o002 != 0 && mode & 0o1000 == 0 { return true }
            return mode & 0o020 != 0 && entry.info.st_gid != 0
        }.map(\.path)
    }

    /// Whether `account` can read the file and search every directory above it.
    func canRead(as account: WorkerAccount, throughDirectories: Bool = true) -> Bool {
        guard account.uid != 0, let file else { return true }
        let allowed = permissions(of: account)
        return (!throughDirectories || directories.allSatisfy { allowed($0.info, 0o1) }) && allowed(file, 0o4)
    }

    /// The first directory from the root down that `account` cannot search, if there is one.
    func firstUnsearchableDirectory(for account: WorkerAccount) -> FilePath? {
        guard account.uid != 0 else { return nil }
        let allowed = permissions(of: account)
        return directories.first { !allowed($0.info, 0o1) }?.path
    }

    /// Whether `account` has `bits` (0o4 read, 0o1 search) on a file of status `info`.
    private func permissions(of account: WorkerAccount) -> (stat, UInt32) -> Bool {
        let groups = Set([account.gid] + (account.name.map(SystemGroup.memberships(of:)) ?? []))
        return { info, bits in
            let mode = UInt32(info.st_mode)
            if info.st_uid == account.uid { return mode & (bits << 6) == bits << 6 }
            if groups.contains(info.st_gid) { return mode & (bits << 3) == bits << 3 }
            return mode & bits == bits
        }
    }
}

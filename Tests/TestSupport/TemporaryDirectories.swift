import Glibc
import Synchronization

/// The directories ``TestSupport/temporaryDirectory(_:)`` made, removed when the test process exits.
///
/// A run of the suite makes about 2,000 of them (400 MB with the loop-mounted file system images): they go
/// when the process exits with status 0. When it exits with another status (a test failed), they are kept
/// for a look, and their list is written to `$TMPDIR/htpass-test-dirs-PID.txt` (the path is printed on
/// standard error); a crashed process leaves them too. `HTPASS_KEEP_TEMP=1` keeps them in every case.
///
/// Removal never follows a symbolic link and never enters a mount point (a file system or bind mount left by a
/// test stays, with its mount point).
public enum TemporaryDirectories {
    private struct State {
        var owner: pid_t = 0
        var paths: [String] = []
    }

    private static let state = Mutex(State())

    /// Removes `path` with the others when the process exits (for directories made otherwise than by
    /// ``TestSupport/temporaryDirectory(_:)``).
    public static func register(_ path: String) {
        let first = state.withLock { state -> Bool in
            let first = state.owner == 0
            if first { state.owner = getpid() }
            state.paths.append(path)
            return first
        }
        // on_exit (glibc) gets the exit status, which says whether a test failed.
        if first { on_exit({ status, _ in TemporaryDirectories.processExits(status: status) }, nil) }
    }

    private static func processExits(status: CInt) {
        // A child made by fork() that exits runs the handler too: the directories are its parent's.
        let (owner, paths) = state.withLock { ($0.owner, $0.paths) }
        guard owner == getpid(), !paths.isEmpty else { return }
        if status != 0 || getenv("HTPASS_KEEP_TEMP").map({ String(cString: $0) }) == "1" {
            keep(paths, status: status)
            return
        }
        for path in paths { remove(path) }
    }

    /// Writes the list of kept directories next to them and says where it is.
    private static func keep(_ paths: [String], status: CInt) {
        var base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        while base.hasSuffix("/") && base.count > 1 { base.removeLast() }
        let list = "\(base)/htpass-test-dirs-\(getpid()).txt"
        guard let file = fopen(list, "w") else { return }
        for path in paths { fputs(path + "\n", file) }
        fclose(file)
        let message = Array(
            "Test process \(getpid()) exited with status \(status): its \(paths.count) temporary directories are kept, listed in \(list)\n"
                .utf8)
        _ = message.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// Removes `path` and everything under it: depth first, links as links, and never inside a mount point
    /// (a file system, or a file or directory bind-mounted there, stays with its mount point).
    public static func remove(_ path: String) {
        removeTree(Array(path.utf8), mountPoints: mountPoints())
    }

    /// Names are bytes: a test may make names that are not UTF-8.
    private static func removeTree(_ path: [UInt8], mountPoints: Set<[UInt8]>) {
        guard !mountPoints.contains(path) else { return }
        let cPath = path.map { CChar(bitPattern: $0) } + [0]
        var info = stat()
        guard lstat(cPath, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            unlink(cPath)
            return
        }
        if let stream = opendir(cPath) {
            var names: [[UInt8]] = []
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix(while: { $0 != 0 })) }
                if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
            }
            closedir(stream)
            for name in names { removeTree(path + [0x2F] + name, mountPoints: mountPoints) }
        }
        rmdir(cPath)
    }

    /// The mount points this process sees (/proc/self/mountinfo's fifth field, where a space or another odd
    /// byte is written `\ooo`).
    private static func mountPoints() -> Set<[UInt8]> {
        guard let file = fopen("/proc/self/mountinfo", "r") else { return [] }
        defer { fclose(file) }
        var points: Set<[UInt8]> = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let fields = Array(UnsafeBufferPointer(start: line, count: strlen(line)))
                .map { UInt8(bitPattern: $0) }.split(separator: 0x20)
            guard fields.count > 4 else { continue }
            var point: [UInt8] = []
            var rest = fields[4][...]
            while let byte = rest.popFirst() {
                if byte == 0x5C, rest.count >= 3,
                    let value = UInt8(String(decoding: rest.prefix(3), as: UTF8.self), radix: 8)
                {
                    point.append(value)
                    rest = rest.dropFirst(3)
                } else {
                    point.append(byte)
                }
            }
            points.insert(point)
        }
        return points
    }
}

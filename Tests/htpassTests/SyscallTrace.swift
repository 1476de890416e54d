import Foundation
import TestSupport

/// An strace log, parsed: what a command did to the file system, as the kernel saw it, without knowing the
/// command's code. The fault injection, in-place failure and durability tests read their facts from it
/// (which calls touch the directory, where the commit point is, which file was written and synced when),
/// so that they follow the implementation's calls instead of listing them: a storage layer that opens,
/// names, locks or cleans up differently is traced anew, and only the behaviour is asserted.
///
/// The log must be written with `-f -y -s 4096 -o FILE`: `-f` prefixes each line with the thread, `-y`
/// shows each descriptor's path (`5</dir/users>`) and `-s` keeps path arguments whole.
struct SyscallTrace: Sendable {
    /// One system call, as the log shows it.
    struct Call: Sendable, CustomStringConvertible {
        /// Its position in the log, across threads.
        var index: Int
        /// The thread that made it (the log's first column).
        var thread: String
        var name: String
        var arguments: [String]
        /// What follows `= `: `0`, `5</dir/users>`, `-1 EIO (Input/output error) (INJECTED)`, `?` (killed).
        var result: String
        var line: String
        /// Its number among the calls of the same name in its thread: what `inject=NAME:when=N` counts when
        /// strace runs without a path filter (`-P`).
        var occurrence: Int

        var description: String { line }
        var failed: Bool { result.hasPrefix("-") || result.hasPrefix("?") }
        var injected: Bool { line.contains("(INJECTED)") }

        /// The descriptor in argument `position` (`5</dir/users>`, `AT_FDCWD</cwd>`): its number (nil for
        /// `AT_FDCWD`) and path.
        func descriptor(_ position: Int) -> (number: Int?, path: String)? {
            guard position < arguments.count else { return nil }
            return SyscallTrace.descriptor(arguments[position])
        }

        /// The descriptor the call returned (`openat`, `dup`), with its path.
        var returned: (number: Int, path: String)? {
            guard let parsed = SyscallTrace.descriptor(result), let number = parsed.number else { return nil }
            return (number, parsed.path)
        }

        /// The path arguments (by position), made absolute with the directory descriptor before them.
        var namedPaths: [Int: String] {
            var paths: [Int: String] = [:]
            for (directory, position) in SyscallTrace.pathArguments[name] ?? [] where position < arguments.count {
                guard let path = SyscallTrace.string(arguments[position]) else { continue }
                if path.hasPrefix("/") {
                    paths[position] = path
                } else if let directory, let base = descriptor(directory)?.path {
                    paths[position] = path.isEmpty ? base : base.hasSuffix("/") ? base + path : base + "/" + path
                } else {
                    paths[position] = path
                }
            }
            return paths
        }

        /// Every path the call works on: its descriptors' (not `AT_FDCWD`'s) and the paths it names.
        var paths: [String] {
            var result: [String] = []
            for position in arguments.indices {
                if let (number, path) = descriptor(position), number != nil { result.append(path) }
            }
            return result + namedPaths.sorted { $0.key < $1.key }.map(\.value)
        }

        /// Whether the call works on `directory` itself or on anything in it.
        func touches(_ directory: String) -> Bool {
            paths.contains { $0 == directory || $0.hasPrefix(directory + "/") }
        }

        /// Whether the call changes what is on disk (names, content, size, owner, mode, extended
        /// attributes), were it to succeed: a process killed at any other call leaves the same files as one
        /// killed at the next call that does. Syncs do not count: a kill keeps what the page cache holds.
        var changesFiles: Bool {
            switch name {
            case "write", "pwrite64", "writev", "pwritev", "pwritev2", "ftruncate", "truncate", "copy_file_range",
                "sendfile", "rename", "renameat", "renameat2", "link", "linkat", "unlink", "unlinkat", "symlink",
                "symlinkat", "mkdir", "mkdirat", "rmdir", "fchown", "fchownat", "chown", "lchown", "fchmod",
                "fchmodat", "chmod", "fsetxattr", "setxattr", "lsetxattr", "fremovexattr", "removexattr",
                "lremovexattr", "utimensat":
                true
            case "fallocate": arguments.count > 1 && arguments[1] != "FALLOC_FL_KEEP_SIZE"
            case "open", "openat", "openat2", "creat": name == "creat" || line.contains("O_CREAT")
            default: false
            }
        }

        /// Whether the call works on `directory` itself: syncs it, lists it, locks it.
        func isOn(_ directory: String) -> Bool {
            descriptor(0).map { $0.number != nil && $0.path == directory } ?? false
        }

        /// The call's name and the paths it works on under `directory`, with `directory` written `DIR` and
        /// the random parts of names (a temporary file's suffix, an `O_TMPFILE` inode) made generic: the
        /// same for the same call in two runs of the same command in two directories.
        func signature(in directory: String) -> String {
            let inside = paths.filter { $0 == directory || $0.hasPrefix(directory + "/") }
            return name + "(" + inside.map { SyscallTrace.generic($0, in: directory) }.joined(separator: ", ") + ")"
        }
    }

    var calls: [Call]
    /// `+++ killed by SIG... +++`: the signal's name.
    var killedBy: String?

    init(log: String) throws {
        try self.init(text: String(decoding: try TestSupport.readBytes(log), as: UTF8.self))
    }

    init(text: String) throws {
        calls = []
        var pending: [String: String] = [:]
        var counts: [String: Int] = [:]
        for raw in text.split(separator: "\n") {
            let fields = raw.split(separator: " ", maxSplits: 1)
            guard fields.count == 2 else { continue }
            let thread = String(fields[0])
            var body = String(fields[1].drop { $0 == " " })
            if body.hasPrefix("+++ killed by ") {
                killedBy = body.dropFirst("+++ killed by ".count).split(separator: " ").first.map(String.init)
                continue
            }
            if body.hasPrefix("+++") || body.hasPrefix("---") { continue }
            // A call another thread interrupted in the log: `name(args <unfinished ...>`, then
            // `<... name resumed>rest`.
            if body.hasSuffix("<unfinished ...>") {
                pending[thread] = String(body.dropLast("<unfinished ...>".count))
                continue
            }
            if body.hasPrefix("<... ") {
                guard let start = pending.removeValue(forKey: thread), let close = body.range(of: " resumed>") else {
                    continue
                }
                body = start + body[close.upperBound...]
            }
            guard let open = body.firstIndex(of: "(") else { continue }
            let name = String(body[..<open])
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            let (arguments, rest) = Self.splitArguments(body[body.index(after: open)...])
            var result = rest.drop { $0 == " " }
            if result.hasPrefix("=") { result = result.dropFirst().drop { $0 == " " } }
            let key = thread + " " + name
            counts[key, default: 0] += 1
            calls.append(
                Call(
                    index: calls.count, thread: thread, name: name, arguments: arguments, result: String(result),
                    line: body, occurrence: counts[key]!))
        }
    }

    /// The calls that work on `directory` or on anything in it.
    func calls(touching directory: String) -> [Call] { calls.filter { $0.touches(directory) } }

    // MARK: Parsing

    /// Which arguments are paths, and the directory descriptor each is relative to (nil: the working directory).
    static let pathArguments: [String: [(directory: Int?, path: Int)]] = {
        var table: [String: [(directory: Int?, path: Int)]] = [:]
        for name in [
            "openat", "openat2", "newfstatat", "statx", "faccessat", "faccessat2", "readlinkat", "unlinkat",
            "fchownat", "fchmodat", "fchmodat2", "mkdirat", "mknodat", "utimensat", "name_to_handle_at",
        ] {
            table[name] = [(0, 1)]
        }
        for name in ["renameat", "renameat2", "linkat"] { table[name] = [(0, 1), (2, 3)] }
        table["symlinkat"] = [(1, 2)]
        for name in [
            "open", "creat", "stat", "lstat", "access", "readlink", "unlink", "rmdir", "mkdir", "chmod", "chown",
            "lchown", "truncate", "getxattr", "lgetxattr", "setxattr", "lsetxattr", "removexattr", "lremovexattr",
            "listxattr", "llistxattr", "utimes", "utime",
        ] {
            table[name] = [(nil, 0)]
        }
        for name in ["rename", "link"] { table[name] = [(nil, 0), (nil, 1)] }
        table["symlink"] = [(nil, 1)]
        return table
    }()

    /// `5</dir/users>`, `5</dir/.users.htpass-journal>(deleted)`, `AT_FDCWD</cwd>`: the number (nil for
    /// `AT_FDCWD`) and the path.
    static func descriptor(_ text: String) -> (number: Int?, path: String)? {
        guard let open = text.firstIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close else {
            return nil
        }
        let head = text[..<open]
        var path = String(text[text.index(after: open)..<close])
        if path.hasSuffix(" (deleted)") { path.removeLast(" (deleted)".count) }
        if head == "AT_FDCWD" { return (nil, path) }
        guard let number = Int(head) else { return nil }
        return (number, path)
    }

    /// The value of a quoted string argument (`"/dir/users"`, strace's escapes undone); nil if it is not one.
    static func string(_ text: String) -> String? {
        let source = Array(text.utf8)
        guard source.first == UInt8(ascii: "\"") else { return nil }
        var bytes: [UInt8] = []
        var index = 1
        func isOctal(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "7") }
        while index < source.count, source[index] != UInt8(ascii: "\"") {
            guard source[index] == UInt8(ascii: "\\"), index + 1 < source.count else {
                bytes.append(source[index])
                index += 1
                continue
            }
            let escaped = source[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "x") where index + 1 < source.count:
                bytes.append(UInt8(String(decoding: source[index...(index + 1)], as: UTF8.self), radix: 16) ?? 0)
                index += 2
            case let digit where isOctal(digit):
                var value = Int(digit - UInt8(ascii: "0"))
                for _ in 0..<2 where index < source.count && isOctal(source[index]) {
                    value = value * 8 + Int(source[index] - UInt8(ascii: "0"))
                    index += 1
                }
                bytes.append(UInt8(truncatingIfNeeded: value))
            default: bytes.append(escaped)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The top-level arguments of a call, from the text after its `(`; and what follows the `)`.
    static func splitArguments(_ text: Substring) -> (arguments: [String], rest: Substring) {
        var arguments: [String] = []
        var current = ""
        var depth = 0
        var inString = false
        var inPath = false
        var escaped = false
        var previous: Character = " "
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            defer {
                previous = character
                index = text.index(after: index)
            }
            if inString {
                current.append(character)
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
                continue
            }
            if inPath {
                current.append(character)
                if character == ">" { inPath = false }
                continue
            }
            switch character {
            case "\"":
                inString = true
                current.append(character)
            case "<" where previous.isNumber || previous == "D":
                inPath = true
                current.append(character)
            case "(", "[", "{":
                depth += 1
                current.append(character)
            case ")" where depth == 0:
                if !current.trimmingCharacters(in: .whitespaces).isEmpty || !arguments.isEmpty {
                    arguments.append(current.trimmingCharacters(in: .whitespaces))
                }
                return (arguments, text[text.index(after: index)...])
            case ")", "]", "}":
                depth -= 1
                current.append(character)
            case "," where depth == 0:
                arguments.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            default:
                current.append(character)
            }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty {
            arguments.append(current.trimmingCharacters(in: .whitespaces))
        }
        return (arguments, "")
    }

    /// `path` with `directory` written `DIR`, a temporary file's random suffix (`.users.htpass-tmp.x7Qa`)
    /// written `*`, and an `O_TMPFILE` file's name (`#1234`) written `#*`.
    static func generic(_ path: String, in directory: String) -> String {
        var result = path == directory ? "DIR" : "DIR" + path.dropFirst(directory.count)
        if let range = result.range(of: "htpass-tmp") {
            result = result[..<range.upperBound] + (result[range.upperBound...].isEmpty ? "" : "*")
        }
        if let hash = result.range(of: "/#") { result = result[..<hash.upperBound] + "*" }
        return result
    }
}

/// What happened to each file of a directory during a traced run: which file each descriptor and name
/// stood for at each call (through opens, renames, links, unlinks and closes), and when each file was
/// written, synced and named. "The file" here is the kernel's file (an inode), not a name: a temporary
/// file renamed over the htpasswd file is the same file before and after.
///
/// Needs a log of at least the calls that open, close, duplicate, rename, link and unlink, and the
/// calls whose order matters: writes, truncations and syncs.
struct FileTimeline {
    enum Kind: Equatable, Sendable {
        /// Content or size changed: `write`, `pwrite64`, `writev`, the destination of `copy_file_range`,
        /// `ftruncate`, `fallocate` (but not one that only reserves blocks, `FALLOC_FL_KEEP_SIZE`).
        case write
        /// `fsync` or `fdatasync` (or `syncfs`, which syncs every file).
        case sync
        /// The file got the name `path` (a rename or a link).
        case named(String)
        /// The file lost the name `path` (unlinked, or another file renamed over it).
        case unnamed(String)
    }

    struct Event: Sendable {
        var call: SyscallTrace.Call
        var file: Int
        var kind: Kind
        var index: Int { call.index }
    }

    /// The files found at paths that existed before the run: the directory and the htpasswd file.
    let existing: [String: Int]
    let events: [Event]
    /// Each file's last known path, for messages.
    let names: [Int: String]

    static let writes: Set = ["write", "pwrite64", "writev", "pwritev", "pwritev2", "ftruncate", "fallocate"]
    static let syncs: Set = ["fsync", "fdatasync"]

    /// - Parameter existing: Paths that exist before the run (each is a file of its own).
    init(_ trace: SyscallTrace, existing paths: [String]) {
        var byPath: [String: Int] = [:]
        var descriptors: [Int: Int] = [:]
        var names: [Int: String] = [:]
        var events: [Event] = []
        var count = 0
        func newFile(_ path: String) -> Int {
            count += 1
            names[count] = path
            return count
        }
        for path in paths { byPath[path] = newFile(path) }
        let existing = byPath

        /// The file behind the descriptor in argument `position`: the descriptor table, else its path now.
        func file(_ call: SyscallTrace.Call, _ position: Int) -> Int? {
            guard let (number, path) = call.descriptor(position), let number else { return nil }
            if let known = descriptors[number] { return known }
            return byPath[path]
        }

        for call in trace.calls where !call.failed {
            let paths = call.namedPaths
            switch call.name {
            case "open", "openat", "openat2", "creat":
                guard let (number, path) = call.returned else { break }
                let temporary = call.line.contains("O_TMPFILE") || path.contains("/#")
                if temporary {
                    descriptors[number] = newFile(path)
                } else if let known = byPath[path] {
                    descriptors[number] = known
                } else {
                    let made = newFile(path)
                    byPath[path] = made
                    descriptors[number] = made
                }
            case "dup", "dup2", "dup3":
                if let source = file(call, 0), let (number, _) = call.returned { descriptors[number] = source }
            case "fcntl" where call.arguments.count > 1 && call.arguments[1].hasPrefix("F_DUPFD"):
                if let source = file(call, 0), let (number, _) = call.returned { descriptors[number] = source }
            case "close":
                if let (number, _) = call.descriptor(0), let number { descriptors[number] = nil }
            case "rename", "renameat", "renameat2":
                let (from, to) = call.name == "rename" ? (paths[0], paths[1]) : (paths[1], paths[3])
                guard let from, let to, let moved = byPath[from] else { break }
                let exchange = call.line.contains("RENAME_EXCHANGE")
                if let replaced = byPath[to] {
                    events.append(Event(call: call, file: replaced, kind: exchange ? .named(from) : .unnamed(to)))
                }
                byPath[from] = exchange ? byPath[to] : nil
                byPath[to] = moved
                names[moved] = to
                events.append(Event(call: call, file: moved, kind: .named(to)))
            case "link", "linkat":
                let (from, to) = call.name == "link" ? (paths[0], paths[1]) : (paths[1], paths[3])
                guard let to else { break }
                var source: Int?
                if call.name == "linkat", call.line.contains("AT_EMPTY_PATH") {
                    source = file(call, 0)
                } else if let from, from.hasPrefix("/proc/self/fd/"), let number = Int(from.dropFirst(14)) {
                    source = descriptors[number]
                } else if let from {
                    source = byPath[from]
                }
                guard let source else { break }
                byPath[to] = source
                names[source] = to
                events.append(Event(call: call, file: source, kind: .named(to)))
            case "unlink", "unlinkat":
                guard let path = paths[call.name == "unlink" ? 0 : 1], let gone = byPath.removeValue(forKey: path)
                else { break }
                events.append(Event(call: call, file: gone, kind: .unnamed(path)))
            case "copy_file_range":
                if let destination = file(call, 2) { events.append(Event(call: call, file: destination, kind: .write)) }
            case "sendfile", "sendfile64":
                if let destination = file(call, 0) { events.append(Event(call: call, file: destination, kind: .write)) }
            case "fallocate" where call.arguments.count > 1 && call.arguments[1] == "FALLOC_FL_KEEP_SIZE":
                break  // room reserved, neither content nor size changed
            case "syncfs":
                for known in 1...count { events.append(Event(call: call, file: known, kind: .sync)) }
            case let name where Self.writes.contains(name):
                if let written = file(call, 0) { events.append(Event(call: call, file: written, kind: .write)) }
            case let name where Self.syncs.contains(name):
                if let synced = file(call, 0) { events.append(Event(call: call, file: synced, kind: .sync)) }
            default:
                break
            }
        }
        self.existing = existing
        self.events = events
        self.names = names
    }

    func events(of file: Int) -> [Event] { events.filter { $0.file == file } }

    /// The first event that gave `path` to a file other than the one it named before: the rename or
    /// link that put a new file in place (a commit point).
    func firstNaming(_ path: String) -> Event? {
        events.first { $0.kind == .named(path) && $0.file != existing[path] }
    }

    /// The last write to `file` before `index` (all writes if nil).
    func lastWrite(of file: Int, before index: Int? = nil) -> Event? {
        events.last { $0.file == file && $0.kind == .write && $0.index < (index ?? Int.max) }
    }

    /// The first sync of `file` after `start` and before `end`.
    func sync(of file: Int, after start: Int, before end: Int = Int.max) -> Event? {
        events.first { $0.file == file && $0.kind == .sync && $0.index > start && $0.index < end }
    }

    func name(of file: Int) -> String { names[file] ?? "file \(file)" }
}

import Glibc
import SystemPackage
import TestSupport

/// A new directory for one test, and byte-exact file helpers over `FilePath` (names need not be UTF-8).
///
/// These tests use the libraries as another package would: `import HtpasswdCore` and `HtpasswdVerifier`,
/// never `@testable`, so that everything they do is something a Swift developer can do.
struct Scratch {
    let directory: FilePath

    init() throws {
        directory = FilePath(try TestSupport.temporaryDirectory("htpass-api"))
    }

    /// `directory/name`, where `name` is any bytes but `/` and NUL.
    func path(_ name: [UInt8]) -> FilePath {
        directory.appending(FilePath.Component(platformString: name.map { CChar(bitPattern: $0) } + [0])!)
    }

    func path(_ name: String) -> FilePath { path(Array(name.utf8)) }

    /// The names in the directory, as bytes, sorted.
    func names() -> [[UInt8]] {
        guard let stream = directory.withPlatformString({ opendir($0) }) else { return [] }
        defer { closedir(stream) }
        var result: [[UInt8]] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            if name != [0x2E] && name != [0x2E, 0x2E] { result.append(name) }
        }
        return result.sorted { $0.lexicographicallyPrecedes($1) }
    }
}

struct FileFailure: Error, CustomStringConvertible {
    var call: String
    var path: FilePath
    var errno: Errno
    var description: String { "\(call) '\(path)': \(errno)" }
}

/// Writes `bytes` to `path` (created or truncated).
func write(_ bytes: [UInt8], to path: FilePath, mode: mode_t = 0o644) throws {
    let fd = path.withPlatformString { open($0, O_WRONLY | O_CREAT | O_TRUNC, mode) }
    guard fd >= 0 else { throw FileFailure(call: "open", path: path, errno: Errno(rawValue: errno)) }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written > 0 else { throw FileFailure(call: "write", path: path, errno: Errno(rawValue: errno)) }
        offset += written
    }
}

func write(_ text: String, to path: FilePath, mode: mode_t = 0o644) throws {
    try write(Array(text.utf8), to: path, mode: mode)
}

/// The bytes of the file at `path`.
func contents(of path: FilePath) throws -> [UInt8] {
    let fd = path.withPlatformString { open($0, O_RDONLY) }
    guard fd >= 0 else { throw FileFailure(call: "open", path: path, errno: Errno(rawValue: errno)) }
    defer { close(fd) }
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else { throw FileFailure(call: "read", path: path, errno: Errno(rawValue: errno)) }
        if count == 0 { return result }
        result += buffer[..<count]
    }
}

func text(of path: FilePath) throws -> String {
    String(decoding: try contents(of: path), as: UTF8.self)
}

/// `lstat(2)` of `path`, or nil if nothing is there.
func status(_ path: FilePath) -> stat? {
    var info = stat()
    return path.withPlatformString { lstat($0, &info) } == 0 ? info : nil
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

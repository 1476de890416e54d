import Glibc
import SystemPackage

extension FilePath {
    /// The path's bytes, without the terminating NUL.
    var bytes: [UInt8] {
        withPlatformString { pointer in
            Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
        }
    }

    /// A path made of `bytes` exactly (which must not contain NUL).
    init(bytes: some Collection<UInt8>) {
        self.init(platformString: bytes.map { CChar(bitPattern: $0) } + [0])
    }

    /// The path for messages, the one way every module shows one: valid UTF-8 as is, other bytes and
    /// control characters as `\xNN` (`FilePath.string` would turn bytes that are not UTF-8 into U+FFFD, so
    /// that two different paths could look the same).
    package var display: String { String(displaying: bytes) }

    /// The directory part and the last component; `.` for a bare name.
    var split: (directory: FilePath, name: FilePath.Component?) {
        var directory = self
        let name = directory.lastComponent
        directory.removeLastComponent()
        if directory.isEmpty { directory = "." }
        return (directory, name)
    }

    /// The path of a file next to this one: the last component with `prefix` and `suffix` added to its
    /// bytes, in the same directory (`.NAME.htpass-tmp`).
    func sibling(prefix: String, suffix: String) -> FilePath {
        let (directory, name) = split
        var nameBytes: [UInt8] = []
        name?.withPlatformString { pointer in
            nameBytes = Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
        }
        let bytes = Array(prefix.utf8) + nameBytes + Array(suffix.utf8)
        return directory.appending(FilePath.Component(platformString: bytes.map { CChar(bitPattern: $0) } + [0])!)
    }
}

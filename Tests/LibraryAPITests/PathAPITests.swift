import Glibc
import HtpasswdCore
import HtpasswdVerifier
import SystemPackage
import Testing

@Suite("Public API: paths are bytes")
struct PathAPITests {
    @Test("A file whose name is not UTF-8 is created, edited and read under that exact name")
    func nonUTF8Name() throws {
        let scratch = try Scratch()
        let name: [UInt8] = [0x68, 0x74, 0xFF, 0xE9]
        let path = scratch.path(name)
        var changes = HtpasswdChanges()
        changes.set(try PasswordHash("{SHA}a"), for: try UserName("alice"))
        try HtpasswdStore(path: path).apply(changes, creation: .createIfMissing)
        #expect(scratch.names() == [name])
        #expect(try text(of: path) == "alice:{SHA}a\n")
        #expect(try HtpasswdStore(path: path).read().entry(for: "alice") != nil)
        #expect(try Authenticator(path: path).candidate(for: "alice").entry?.line == 1)
    }

    @Test("A symbolic link whose target is not UTF-8: the edit changes the file the link names")
    func linkToNonUTF8Target() throws {
        let scratch = try Scratch()
        let targetName: [UInt8] = [0x74, 0xFF, 0x2D, 0xC3]  // "t\xFF-\xC3": invalid twice
        let target = scratch.path(targetName)
        try write("alice:{SHA}a\n", to: target)
        // The link's content is the target's name, byte for byte (relative to the link's directory).
        let link = scratch.path("htpasswd")
        let made = (targetName.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { name in
            link.withPlatformString { symlink(name.baseAddress!, $0) }
        }
        #expect(made == 0)

        var changes = HtpasswdChanges()
        changes.set(try PasswordHash("{SHA}b"), for: try UserName("bob"))
        let report = try HtpasswdStore(path: link).apply(changes)
        #expect(report.write.method == .rename)
        // The target has the edit; the link is still a link to it; no file with a "repaired" name appeared.
        #expect(try text(of: target) == "alice:{SHA}a\nbob:{SHA}b\n")
        #expect(try #require(status(link)).st_mode & S_IFMT == S_IFLNK)
        #expect(scratch.names() == [Array("htpasswd".utf8), targetName])
        #expect(try HtpasswdStore(path: link).placement().target == target)

        // In place too.
        changes.set(try PasswordHash("{SHA}c"), for: try UserName("carol"))
        try HtpasswdStore(path: link, writeMode: .inPlace).apply(changes)
        #expect(try text(of: target) == "alice:{SHA}a\nbob:{SHA}b\ncarol:{SHA}c\n")
        #expect(scratch.names() == [Array("htpasswd".utf8), targetName])
        // And the readers follow it the same way.
        #expect(try Authenticator(path: link).candidate(for: "carol").entry?.line == 3)
    }

    @Test("A chain of links with absolute and relative steps ends at the right file")
    func linkChain() throws {
        let scratch = try Scratch()
        #expect(scratch.path([0x64, 0xFE]).withPlatformString { mkdir($0, 0o755) } == 0)  // "d\xFE"
        let file = scratch.path([0x64, 0xFE]).appending("real")
        try write("", to: file)
        // first -> d\xFE/second (relative), d\xFE/second -> /abs/.../d\xFE/real (absolute)
        let second = scratch.path([0x64, 0xFE]).appending("second")
        #expect(file.withPlatformString { target in second.withPlatformString { symlink(target, $0) } } == 0)
        let relative: [CChar] = [0x64, CChar(bitPattern: 0xFE), 0x2F] + Array("second".utf8CString)
        #expect(
            relative.withUnsafeBufferPointer { r in
                scratch.path("first").withPlatformString { symlink(r.baseAddress!, $0) }
            } == 0)
        var changes = HtpasswdChanges()
        changes.set(try PasswordHash("{SHA}z"), for: try UserName("zoe"))
        try HtpasswdStore(path: scratch.path("first")).apply(changes)
        #expect(try text(of: file) == "zoe:{SHA}z\n")
        #expect(try #require(status(second)).st_mode & S_IFMT == S_IFLNK)
    }
}

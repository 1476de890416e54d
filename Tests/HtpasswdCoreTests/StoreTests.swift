import Foundation
import Glibc
import HtpasswdCore
import SystemPackage
import TestSupport
import Testing

/// A hash from a literal of this file (`h`, `$apr1$x$y`). It throws rather than traps: a regression fails the
/// test that meets it, not the whole test process.
private func h(_ text: String) throws -> PasswordHash { try PasswordHash(text) }

private func b(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The edit most tests here make: bob's line set to `bob:h`.
private func setBob(_ file: inout HtpasswdFile) throws { file.setHash(try h("h"), for: try UserName("bob")) }

/// A new directory holding `htpasswd` with `contents` (or nothing), and the file's path.
private func setUp(_ contents: [UInt8]? = b("alice:$apr1$x$y\n")) throws -> (directory: String, path: String) {
    let directory = try TestSupport.temporaryDirectory("htpass-store")
    let path = directory + "/htpasswd"
    if let contents { try TestSupport.writeBytes(contents, to: path) }
    return (directory, path)
}

private struct Refusal: Error {}

@Suite("HtpasswdStore")
struct StoreTests {
    // MARK: Creation policies

    @Test("mustExist refuses a missing file and creates nothing")
    func mustExist() throws {
        let (directory, path) = try setUp(nil)
        #expect(throws: HtpasswdError.fileSystem(FileSystemError(.notFound, path: FilePath(path)))) {
            try HtpasswdStore(path: path).edit(creation: .mustExist) { file in try setBob(&file) }
        }
        #expect(try StoreSupport.listing(directory).isEmpty)
        #expect(throws: HtpasswdError.fileSystem(FileSystemError(.notFound, path: FilePath(path)))) {
            try HtpasswdStore(path: path).read()
        }
    }

    @Test("createIfMissing creates a 0640 file, and edits an existing one")
    func createIfMissing() throws {
        let (directory, path) = try setUp(nil)
        let store = HtpasswdStore(path: path)
        try store.edit(creation: .createIfMissing) { file in try setBob(&file) }
        #expect(try TestSupport.readBytes(path) == b("bob:h\n"))
        let info = try StoreSupport.status(path)
        #expect(info.permissions == 0o640)
        #expect(info.st_uid == getuid() && info.st_gid == getgid())
        let carol = try UserName(b("carol"))
        try store.edit(creation: .createIfMissing) { file in file.setHash(try h("h"), for: carol) }
        #expect(try TestSupport.readBytes(path) == b("bob:h\ncarol:h\n"))
        #expect(try StoreSupport.listing(directory) == ["htpasswd"])
    }

    @Test("mustNotExist refuses an existing file and leaves it alone, and creates a missing one")
    func mustNotExist() throws {
        let (_, path) = try setUp()
        let before = try StoreSupport.status(path)
        #expect(throws: HtpasswdError.fileSystem(FileSystemError(.fileExists, path: FilePath(path)))) {
            try HtpasswdStore(path: path).edit(creation: .mustNotExist) { file in try setBob(&file) }
        }
        #expect(try TestSupport.readBytes(path) == b("alice:$apr1$x$y\n"))
        #expect(try StoreSupport.status(path).inode == before.inode)

        let (_, newPath) = try setUp(nil)
        try HtpasswdStore(path: newPath).edit(creation: .mustNotExist) { file in try setBob(&file) }
        #expect(try TestSupport.readBytes(newPath) == b("bob:h\n"))
    }

    @Test("replace starts from an empty file and keeps the old file's mode, owner and group")
    func replace() throws {
        let (_, path) = try setUp()
        #expect(chown(path, 1234, 5678) == 0 && chmod(path, 0o604) == 0)
        try HtpasswdStore(path: path).edit(creation: .replace) { file in
            #expect(file.lineCount == 0)
            try setBob(&file)
        }
        #expect(try TestSupport.readBytes(path) == b("bob:h\n"))
        let info = try StoreSupport.status(path)
        #expect(info.permissions == 0o604 && info.st_uid == 1234 && info.st_gid == 5678)

        let (_, newPath) = try setUp(nil)
        try HtpasswdStore(path: newPath).edit(creation: .replace) { file in try setBob(&file) }
        #expect(try TestSupport.readBytes(newPath) == b("bob:h\n"))
    }

    // MARK: Attributes

    @Test(
        "A new file gets the requested mode and group",
        arguments: [
            (UInt32(0o600), UInt32?.none), (0o640, 33), (0o644, 5678), (0o660, nil),
        ])
    func newFileAttributes(mode: UInt32, group: UInt32?) throws {
        let (_, path) = try setUp(nil)
        let attributes = HtpasswdStore.NewFileAttributes(mode: mode, group: group)
        try HtpasswdStore(path: path).edit(creation: .createIfMissing, attributes: attributes) { file in
            try setBob(&file)
        }
        let info = try StoreSupport.status(path)
        #expect(info.permissions == mode)
        #expect(info.st_gid == group ?? getegid())
        #expect(info.st_uid == geteuid())
    }

    @Test("An existing file keeps its mode, owner and group; the requested ones are ignored")
    func existingFileKeepsAttributes() throws {
        let (_, path) = try setUp()
        #expect(chown(path, 4321, 8765) == 0)
        #expect(chmod(path, 0o620) == 0)
        let before = try StoreSupport.status(path)
        try HtpasswdStore(path: path).edit(attributes: .init(mode: 0o600, group: 33)) { file in
            try setBob(&file)
        }
        let after = try StoreSupport.status(path)
        #expect(after.inode != before.inode, "the file is replaced by rename, not rewritten in place")
        #expect(after.permissions == 0o620)
        #expect(after.st_uid == 4321)
        #expect(after.st_gid == 8765)
        #expect(try TestSupport.readBytes(path) == b("alice:$apr1$x$y\nbob:h\n"))
    }

    // MARK: Links and odd files

    @Test(
        "A symbolic link is followed; its target is replaced and the link stays a link",
        arguments: [
            "relative", "absolute", "chain",
        ])
    func symbolicLink(kind: String) throws {
        let (directory, target) = try setUp()
        try FileManager.default.createDirectory(atPath: directory + "/links", withIntermediateDirectories: true)
        let link = directory + "/links/htpasswd"
        switch kind {
        case "relative": #expect(symlink("../htpasswd", link) == 0)
        case "absolute": #expect(symlink(target, link) == 0)
        default:
            #expect(symlink(target, directory + "/links/first") == 0)
            #expect(symlink("first", link) == 0)
        }
        #expect(chmod(target, 0o604) == 0)
        try HtpasswdStore(path: link).edit { file in try setBob(&file) }
        #expect(try TestSupport.readBytes(target) == b("alice:$apr1$x$y\nbob:h\n"))
        #expect(try StoreSupport.status(link, followingLinks: false).st_mode & S_IFMT == S_IFLNK)
        #expect(try StoreSupport.status(target, followingLinks: false).isRegularFile)
        #expect(try StoreSupport.status(target).permissions == 0o604)
        #expect(try StoreSupport.temporaryFiles(in: directory).isEmpty)
        #expect(try StoreSupport.temporaryFiles(in: directory + "/links").isEmpty)
    }

    @Test("A dangling link with createIfMissing creates its target")
    func danglingLink() throws {
        let (directory, target) = try setUp(nil)
        let link = directory + "/link"
        #expect(symlink("htpasswd", link) == 0)
        try HtpasswdStore(path: link).edit(creation: .createIfMissing) { file in try setBob(&file) }
        #expect(try TestSupport.readBytes(target) == b("bob:h\n"))
        #expect(try StoreSupport.status(link, followingLinks: false).st_mode & S_IFMT == S_IFLNK)
    }

    @Test(
        "A directory or FIFO where the file should be is refused, and nothing changes",
        arguments: [
            "directory", "fifo",
        ])
    func notRegularFile(kind: String) throws {
        let (directory, path) = try setUp(nil)
        if kind == "directory" {
            #expect(mkdir(path, 0o755) == 0)
        } else {
            #expect(mkfifo(path, 0o644) == 0)
        }
        for creation in [HtpasswdStore.Creation.mustExist, .createIfMissing, .replace] {
            #expect(throws: HtpasswdError.fileSystem(FileSystemError(.notRegularFile, path: FilePath(path)))) {
                try HtpasswdStore(path: path).edit(creation: creation) { file in try setBob(&file) }
            }
        }
        #expect(throws: HtpasswdError.fileSystem(FileSystemError(.notRegularFile, path: FilePath(path)))) {
            try HtpasswdStore(path: path).read()
        }
        let info = try StoreSupport.status(path, followingLinks: false)
        #expect(info.st_mode & S_IFMT == (kind == "directory" ? S_IFDIR : S_IFIFO))
        #expect(try StoreSupport.listing(directory) == ["htpasswd"])
        if kind == "directory" { #expect(try StoreSupport.listing(path).isEmpty) }
    }

    // MARK: Failures leave the file alone

    @Test("On a read-only filesystem an edit fails with an I/O error and leaves the file as it was")
    func readOnlyFilesystem() throws {
        try StoreSupport.withTmpfs(size: "1m") { directory in
            let path = directory + "/htpasswd"
            let original = StoreSupport.generatedFile(users: 100)
            try TestSupport.writeBytes(original, to: path)
            try StoreSupport.remount(directory, readOnly: true)
            defer { try? StoreSupport.remount(directory, readOnly: false) }
            let (bob, hash) = (try UserName("bob"), try h("h"))
            do throws(HtpasswdError) {
                try HtpasswdStore(path: path).edit { file in file.setHash(hash, for: bob) }
                Issue.record("the edit succeeded on a read-only filesystem")
            } catch {
                guard case .fileSystem(let failure) = error, let errno = failure.errno else {
                    Issue.record("expected an I/O error, got \(error)")
                    return
                }
                #expect(errno.rawValue == EROFS)
                #expect(error.description.contains("Read-only file system"))
            }
            #expect(try TestSupport.readBytes(path) == original)
            #expect(try StoreSupport.listing(directory) == ["htpasswd"])
            // Reading still works.
            #expect(try HtpasswdStore(path: path).read().entries.count == 100)
        }
    }

    @Test("In a directory the user cannot write, an edit fails with an I/O error and leaves the file as it was")
    func readOnlyDirectory() throws {
        // Root ignores directory permissions, so the edit runs as 'nobody' (65534) in a StoreTool process.
        let parent = try TestSupport.temporaryDirectory("htpass-rodir")
        #expect(chmod(parent, 0o755) == 0)
        let directory = parent + "/ro"
        #expect(mkdir(directory, 0o755) == 0)
        let path = directory + "/htpasswd"
        let original = b("alice:$apr1$x$y\n")
        try TestSupport.writeBytes(original, to: path)
        #expect(chmod(path, 0o666) == 0, "the file itself is writable: only the directory is not")
        #expect(chmod(directory, 0o555) == 0)
        let result = try StoreSupport.run(["add", path, "bob", "h"], as: (65534, 65534))
        #expect(result.status == 1)
        #expect(result.stderrText.hasPrefix("error: io \(EACCES) "), "\(result.stderrText)")
        #expect(result.stderrText.contains("Permission denied"))
        #expect(try TestSupport.readBytes(path) == original)
        #expect(try StoreSupport.listing(directory) == ["htpasswd"])
        // The same edit as root succeeds, so it was the directory that stopped it.
        #expect(try StoreSupport.run(["add", path, "bob", "h"]).status == 0)
        #expect(try TestSupport.readBytes(path) == original + b("bob:h\n"))
    }

    @Test("A user who is not root edits a file they own and it keeps its mode")
    func nonRootOwner() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-nobody")
        let path = directory + "/htpasswd"
        try TestSupport.writeBytes(b("alice:$apr1$x$y\n"), to: path)
        #expect(chown(directory, 65534, 65534) == 0 && chown(path, 65534, 65534) == 0)
        #expect(chmod(path, 0o604) == 0)
        let result = try StoreSupport.run(["add", path, "bob", "h"], as: (65534, 65534))
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(try TestSupport.readBytes(path) == b("alice:$apr1$x$y\nbob:h\n"))
        let info = try StoreSupport.status(path)
        #expect(info.permissions == 0o604 && info.st_uid == 65534 && info.st_gid == 65534)
    }

    @Test("A user who is not root cannot give a new copy back to another owner: the edit fails, nothing changes")
    func nonRootCannotKeepForeignOwner() throws {
        // The file is writable by all, in a directory the user owns, but belongs to root. Replacing it would
        // change its owner, which the store refuses to do silently.
        let directory = try TestSupport.temporaryDirectory("htpass-foreign")
        let path = directory + "/htpasswd"
        let original = b("alice:$apr1$x$y\n")
        try TestSupport.writeBytes(original, to: path)
        #expect(chown(directory, 65534, 65534) == 0)
        #expect(chmod(path, 0o666) == 0)
        let result = try StoreSupport.run(["add", path, "bob", "h"], as: (65534, 65534))
        #expect(result.status == 1)
        #expect(result.stderrText.hasPrefix("error: ownerNotKept"), "\(result.stderrText)")
        #expect(try TestSupport.readBytes(path) == original)
        #expect(try StoreSupport.status(path).st_uid == 0)
        #expect(try StoreSupport.listing(directory) == ["htpasswd"])
    }

    @Test("A change that throws writes nothing")
    func throwingChange() throws {
        let (directory, path) = try setUp()
        let before = try StoreSupport.status(path)
        let (bob, hash) = (try UserName("bob"), try h("h"))
        #expect(throws: HtpasswdError.userNotFound(user: b("bob"))) {
            try HtpasswdStore(path: path).edit { (file) throws(HtpasswdError) in
                file.setHash(hash, for: bob)
                throw .userNotFound(user: b("bob"))
            }
        }
        let after = try StoreSupport.status(path)
        #expect(after.inode == before.inode)
        #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
        #expect(try TestSupport.readBytes(path) == b("alice:$apr1$x$y\n"))
        #expect(try StoreSupport.listing(directory) == ["htpasswd"])
        // The lock was released: the next edit goes through at once.
        try HtpasswdStore(path: path, lockTimeout: .zero).edit { file in try setBob(&file) }
        #expect(try TestSupport.readBytes(path) == b("alice:$apr1$x$y\nbob:h\n"))
    }

    @Test("An edit that changes no byte does not rewrite the file")
    func unchangedContent() throws {
        let (_, path) = try setUp(b("# c\r\nalice:$apr1$x$y\r\nbob:h"))
        let store = HtpasswdStore(path: path)
        let before = try StoreSupport.status(path)
        try store.edit { file in try setBob(&file) }
        try store.edit { file in file.removeEntries(for: b("nobody")) }
        try store.edit(creation: .createIfMissing) { _ in }
        let after = try StoreSupport.status(path)
        #expect(after.inode == before.inode)
        #expect(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
        #expect(try TestSupport.readBytes(path) == b("# c\r\nalice:$apr1$x$y\r\nbob:h"))
    }

    @Test("A temporary file left by a killed writer is removed by the next edit, not by a read")
    func staleTemporaryFile() throws {
        let (directory, path) = try setUp()
        try TestSupport.writeBytes(b("half a fi"), to: directory + "/.htpasswd.htpass-tmp.k1lled0writer")
        #expect(try HtpasswdStore(path: path).read().entries.count == 1)
        #expect(try StoreSupport.listing(directory).count == 2)
        #expect(try HtpasswdStore(path: path).read().entries.count == 1)
        try HtpasswdStore(path: path).edit { file in try setBob(&file) }
        #expect(try StoreSupport.listing(directory) == ["htpasswd"])
        #expect(try TestSupport.readBytes(path) == b("alice:$apr1$x$y\nbob:h\n"))
    }

    // MARK: Locking

    @Test(
        "An edit waits for the file's write lock and gives up with lockTimeout, naming the holder",
        arguments: ["hold-lock", "hold-edit"])
    func lockTimeout(command: String) throws {
        let (directory, path) = try setUp()
        let holder = try StoreSupport.Holder([command, path, "60"])
        defer { holder.kill() }
        try #require(holder.waitFor("locked"))
        let store = HtpasswdStore(path: path, lockTimeout: .milliseconds(300))
        let (bob, hash) = (try UserName("bob"), try h("h"))
        do throws(HtpasswdError) {
            try store.edit { file in file.setHash(hash, for: bob) }
            Issue.record("the edit did not wait for the lock")
        } catch {
            guard case .lockTimeout(let lockedPath, let seconds, let who) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(lockedPath == FilePath(path) && seconds == 0.3)
            #expect(who?.processID == holder.process.processIdentifier, "\(String(describing: who))")
            #expect(
                error.description.contains("0.3 s") && error.description.contains("\(holder.process.processIdentifier)")
            )
        }
        #expect(try TestSupport.readBytes(path) == b("alice:$apr1$x$y\n"))
        // Reads take no lock.
        #expect(try store.read().entries.count == 1)
        // Another file in the same directory does not wait: the lock is the file's own.
        let other = HtpasswdStore(path: directory + "/other", lockTimeout: .milliseconds(300))
        try other.edit(creation: .createIfMissing) { _ in }
        holder.kill()
        try store.edit { file in try setBob(&file) }
        #expect(try TestSupport.readBytes(path) == b("alice:$apr1$x$y\nbob:h\n"))
    }

    @Test("Threads of one process editing one file lose no update")
    func threads() async throws {
        let (directory, path) = try setUp(b(""))
        // A failing edit fails the test (its error is rethrown here), rather than taking the process down.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for thread in 0..<8 {
                group.addTask {
                    for index in 0..<25 {
                        let user = try UserName(b("t\(thread)-\(index)"))
                        try HtpasswdStore(path: path).edit { file in file.setHash(try h("h"), for: user) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let file = try HtpasswdStore(path: path).read()
        #expect(file.entries.count == 200)
        #expect(Set(file.entries.map { Array($0.user) }).count == 200)
        #expect(try StoreSupport.listing(directory) == ["htpasswd"])
    }
}

import CLinux
import Foundation
import Glibc
import TestSupport
import Testing

/// htpass where users deploy it: nginx in a container (a mount namespace of its own) with the htpasswd
/// file bind-mounted alone, edited from the host or from inside; a file with hard links; an in-place
/// edit interrupted inside a container. Real nginx, real mounts (unshare, mount --bind, nsenter): root.
@Suite("Deployments: bind mounts, containers, hard links", .serialized)
struct DeploymentTests {
    static let markName = "user.htpass.journal"

    /// A host directory with the htpasswd file, and a container directory where the namespace mounts it.
    struct Layout {
        let sandbox: Sandbox
        let file: String
        let container: String
        var mountPoint: String { container + "/htpasswd" }

        init() throws {
            sandbox = try Sandbox()
            for name in ["host", "container"] { mkdir(sandbox.path(name), 0o755) }
            file = sandbox.path("host/htpasswd")
            container = sandbox.path("container")
        }
    }

    /// Adds `user` with `password` to `file` (bcrypt at cost 4), with extra options; the output.
    @discardableResult
    static func add(_ file: String, _ user: String, _ password: String, _ extra: [String] = []) throws
        -> TestSupport.Output
    {
        try htpass(["add", file, user, "--stdin", "--create"] + fast + extra, stdin: password)
    }

    /// Status 0, and on stderr only notes (how the edit was written) and warnings.
    static func expectEdited(_ output: TestSupport.Output, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            output.status == 0, "exit status \(output.status), stderr: \(output.stderrText)",
            sourceLocation: sourceLocation)
        let other = lines(output.stderrText).filter { !$0.hasPrefix("htpass: note: ") && !isWarning($0) }
        #expect(other.isEmpty, "stderr: \(output.stderrText)", sourceLocation: sourceLocation)
    }

    /// 20,000 users in `file`, so that writing it takes long enough to be caught after the commit point.
    static func writeLargeFile(_ file: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for index in 0..<20_000 { bytes += Array("user\(index):$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\n".utf8) }
        try TestSupport.writeBytes(bytes, to: file)
        return bytes
    }

    /// Runs htpass inside `namespace` to re-key the first user of the mounted file (a hash of another
    /// length: the whole file is rewritten), killing it as soon as its journal is there and its mark says
    /// committed (the file is about to be written); again until a kill leaves both behind. Returns the
    /// journal's content and the number of attempts.
    static func interruptAfterCommit(in namespace: MountNamespace, _ layout: Layout) throws -> ([UInt8], Int) {
        try interruptAfterCommit(in: namespace, mountPoint: layout.mountPoint)
    }

    /// ``interruptAfterCommit(in:_:)`` for the file mounted at `mountPoint` in the namespace.
    static func interruptAfterCommit(in namespace: MountNamespace, mountPoint: String) throws -> ([UInt8], Int) {
        let directory = (mountPoint as NSString).deletingLastPathComponent
        let journal = namespace.view(directory + "/.htpasswd.htpass-journal")
        let file = namespace.view(mountPoint)
        func committed() -> Bool {
            let fd = open(file, O_RDONLY | O_NONBLOCK)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var value = [UInt8](repeating: 0, count: 4096)
            let count = value.withUnsafeMutableBytes { htpass_fgetxattr(fd, markName, $0.baseAddress, $0.count) }
            return count > 0 && value[..<count].starts(with: Array("v2 committed ".utf8))
        }
        var attempts = 0
        while attempts < 30 {
            attempts += 1
            let writer = Process()
            writer.executableURL = URL(fileURLWithPath: try TestSupport.locate("nsenter"))
            writer.arguments =
                Array(namespace.enter.dropFirst()) + [
                    TestSupport.htpassBinary, "add", mountPoint, "user0", "--password-env", "PW", "-a",
                    attempts.isMultiple(of: 2) ? "apr1" : "sha512",
                ]
            writer.environment = ProcessInfo.processInfo.environment.merging(["PW": "new-pw"]) { $1 }
            writer.standardOutput = FileHandle.nullDevice
            writer.standardError = FileHandle.nullDevice
            try writer.run()
            while !(access(journal, F_OK) == 0 && committed()) && writer.isRunning {
                var pause = timespec(tv_sec: 0, tv_nsec: 10_000)
                nanosleep(&pause, nil)
            }
            kill(writer.processIdentifier, SIGKILL)
            writer.waitUntilExit()
            if committed(), let content = try? TestSupport.readBytes(journal) {
                return (Array(content.dropFirst(256)), attempts)
            }
        }
        throw MountNamespace.Failure(description: "no kill landed after the commit point in \(attempts) attempts")
    }

    /// The inode number of the mount namespace of `process`.
    static func namespaceInode(_ process: pid_t) throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process)/ns/mnt").filter(\.isNumber)
    }

    @Test(
        "nginx in its own mount namespace, the file bind-mounted alone and read-only, sees every host-side add, re-key and delete on the next request; by rename it would not"
    )
    func nginxSeesHostEdits() throws {
        try MountNamespace.requireRoot()
        let layout = try Layout()
        let file = layout.file
        for (user, password) in [("alice", "alice-pw"), ("bob", "bob-pw")] {
            Self.expectEdited(try Self.add(file, user, password))
        }
        let prefix = try MountNamespace.command(
            privateDirectory: layout.container, binds: [.init(file, at: layout.mountPoint, readOnly: true)])

        try Nginx.with(userFile: layout.mountPoint, commandPrefix: prefix) { (server: Nginx) throws -> Void in
            let namespace = MountNamespace(joining: server.processID)
            // The host does not see the container's file; nginx reads the host's file through its mount.
            #expect(try FileManager.default.contentsOfDirectory(atPath: layout.container).isEmpty)
            #expect(namespace.mountTable.contains(" \(layout.mountPoint) ro,"), "\(namespace.mountTable)")
            #expect(try server.status(user: "alice", password: "alice-pw") == 200, "\(server.errorLog)")
            #expect(try server.status(user: "bob", password: "bob-pw") == 200)
            let inode = try TestSupport.inode(file)
            let why =
                "in place because it is bind-mounted alone into another mount namespace (process \(server.processID)"

            for round in 1...3 {
                let user = "user\(round)"
                // A new user: 200 on the very next request.
                let added = try Self.add(file, user, "pw-\(round)")
                Self.expectEdited(added)
                #expect(added.stderrText.contains(why), "\(added.stderrText)")
                #expect(try server.status(user: user, password: "pw-\(round)") == 200, "round \(round)")
                // A new password: the new one works at once, the old one no longer.
                Self.expectEdited(try Self.add(file, user, "new-pw-\(round)"))
                #expect(try server.status(user: user, password: "new-pw-\(round)") == 200, "round \(round)")
                #expect(try server.status(user: user, password: "pw-\(round)") == 401, "round \(round)")
                // Deleted: 401 on the very next request.
                let deleted = try htpass(["delete", file, user])
                Self.expectEdited(deleted)
                #expect(deleted.stderrText.contains(why), "\(deleted.stderrText)")
                #expect(try server.status(user: user, password: "new-pw-\(round)") == 401, "round \(round)")
            }
            Self.expectEdited(try Self.add(file, "alice", "alice-new"))
            #expect(try server.status(user: "alice", password: "alice-new") == 200)
            #expect(try server.status(user: "alice", password: "alice-pw") == 401)
            Self.expectEdited(try htpass(["delete", file, "bob"]))
            #expect(try server.status(user: "bob", password: "bob-pw") == 401)
            #expect(try TestSupport.inode(file) == inode)
            #expect(try TestSupport.readBytes(namespace.view(layout.mountPoint)) == TestSupport.readBytes(file))

            // The old bug, on demand: a rename replaces the host's file, and nginx keeps the old inode.
            let renamed = try htpass(["delete", file, "alice", "--write-mode", "rename"])
            Self.expectEdited(renamed)
            #expect(!renamed.stderrText.contains("Wrote '"), "\(renamed.stderrText)")
            // ... and says whom the rename leaves behind.
            #expect(renamed.stderrText.contains("keep the old file"), "\(renamed.stderrText)")
            #expect(try TestSupport.inode(file) != inode)
            #expect(
                try server.status(user: "alice", password: "alice-new") == 200, "the revocation did not reach nginx")
            // The next edit says so: nginx reads a replaced copy until it restarts.
            let next = try Self.add(file, "carol", "carol-pw")
            Self.expectEdited(next)
            #expect(
                next.stderrText.contains("Process \(server.processID) still reads an earlier, replaced copy"),
                "\(next.stderrText)")
            #expect(try server.status(user: "carol", password: "carol-pw") == 401)
        }
    }

    @Test(
        "Inside the namespace, add on the mount point exits 0 in place and the host and nginx see it; by rename it fails with EBUSY, exit 4, the file untouched"
    )
    func editInsideNamespace() throws {
        try MountNamespace.requireRoot()
        let layout = try Layout()
        let file = layout.file
        Self.expectEdited(try Self.add(file, "alice", "alice-pw"))
        let inode = try TestSupport.inode(file)
        let prefix = try MountNamespace.command(
            privateDirectory: layout.container, binds: [.init(file, at: layout.mountPoint, readOnly: false)])

        try Nginx.with(userFile: layout.mountPoint, commandPrefix: prefix) { (server: Nginx) throws -> Void in
            let namespace = MountNamespace(joining: server.processID)
            let inside = { (arguments: [String], stdin: String) throws -> TestSupport.Output in
                try namespace.run(TestSupport.htpassBinary, arguments, stdin: Array(stdin.utf8))
            }
            let added = try inside(["add", layout.mountPoint, "bob", "--stdin"] + fast, "bob-pw")
            Self.expectEdited(added)
            #expect(added.stderrText.contains("in place because it is a mount point"), "\(added.stderrText)")
            #expect(try server.status(user: "bob", password: "bob-pw") == 200)
            #expect(try verifyStatus(file, "bob", "bob-pw") == 0)
            #expect(try TestSupport.inode(file) == inode)
            // Nothing left in the container's directory, nor a mark on the file.
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: namespace.view(layout.container)) == ["htpasswd"])
            #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == nil)

            let deleted = try inside(["delete", layout.mountPoint, "alice"], "")
            Self.expectEdited(deleted)
            #expect(try server.status(user: "alice", password: "alice-pw") == 401)
            #expect(try verifyStatus(file, "alice", "alice-pw") == 3)

            // What htpass did before: rename onto a mount point.
            let before = try TestSupport.readBytes(file)
            let renamed = try inside(
                ["add", layout.mountPoint, "carol", "--stdin", "--write-mode", "rename"] + fast, "carol-pw")
            try expectFailure(renamed, 4)
            #expect(renamed.stderrText.contains("Device or resource busy"), "\(renamed.stderrText)")
            #expect(try TestSupport.readBytes(file) == before)
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: namespace.view(layout.container)) == ["htpasswd"])
            #expect(try server.status(user: "carol", password: "carol-pw") == 401)
        }
    }

    @Test(
        "A file with hard links in the same and another directory: an edit through one name is seen through the others")
    func hardLinks() throws {
        let sandbox = try Sandbox()
        for name in ["a", "b"] { mkdir(sandbox.path(name), 0o755) }
        let names = [sandbox.path("a/htpasswd"), sandbox.path("a/htpasswd.bak"), sandbox.path("b/htpasswd")]
        Self.expectEdited(try Self.add(names[0], "alice", "alice-pw"))
        for name in names.dropFirst() { #expect(link(names[0], name) == 0) }
        let inode = try TestSupport.inode(names[0])

        func listings() throws -> [String] {
            try names.map { name in
                let output = try htpass(["list", name])
                #expect(output.status == 0)
                return output.stdoutText
            }
        }
        // Through each name in turn: add, re-key, delete; every name sees it.
        for (index, name) in names.enumerated() {
            let user = "user\(index)"
            let added = try Self.add(name, user, "pw")
            Self.expectEdited(added)
            #expect(added.stderrText.contains("in place because it has 3 hard links"), "\(added.stderrText)")
            for other in names { #expect(try verifyStatus(other, user, "pw") == 0, "\(user) through \(other)") }
            Self.expectEdited(try Self.add(names[(index + 1) % 3], user, "pw2"))
            for other in names {
                #expect(try verifyStatus(other, user, "pw2") == 0)
                #expect(try verifyStatus(other, user, "pw") == 1)
            }
            let all = try listings()
            #expect(Set(all).count == 1, "\(all)")
            #expect(lines(all[0]).contains(user))
        }
        Self.expectEdited(try htpass(["delete", names[2], "user0", "alice"]))
        let all = try listings()
        #expect(Set(all).count == 1)
        #expect(lines(all[0]) == ["user1", "user2"])
        for name in names { #expect(try TestSupport.inode(name) == inode) }
        var info = stat()
        stat(names[0], &info)
        #expect(info.st_nlink == 3)
        for directory in ["a", "b"] {
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: sandbox.path(directory))
                .filter { $0.contains("htpass-") }
            #expect(leftovers.isEmpty)
        }

        // By rename, the name edited gets a new file and the other names keep the old one.
        Self.expectEdited(try Self.add(names[0], "late", "pw", ["--write-mode", "rename"]))
        #expect(try verifyStatus(names[0], "late", "pw") == 0)
        #expect(try verifyStatus(names[2], "late", "pw") == 3)
    }

    @Test(
        "An in-place edit interrupted inside a container: the host refuses to edit (exit 4) but lists; htpass inside finishes it; then the host edits"
    )
    func interruptedInsideNamespace() throws {
        try MountNamespace.requireRoot()
        let layout = try Layout()
        let file = layout.file
        let bytes = try Self.writeLargeFile(file)
        let namespace = try MountNamespace(
            privateDirectory: layout.container, binds: [.init(file, at: layout.mountPoint, readOnly: false)])
        defer { namespace.stop() }
        let journal = namespace.view(layout.container + "/.htpasswd.htpass-journal")
        let (newContent, attempts) = try Self.interruptAfterCommit(in: namespace, layout)
        let mark = try #require(try TestSupport.extendedAttribute(Self.markName, of: file))
        #expect(mark.hasPrefix("v2 committed \(try Self.namespaceInode(namespace.processID)) "), "\(mark)")

        // On the host: an edit refuses, and changes nothing.
        let left = try TestSupport.readBytes(file)
        let refused = try Self.add(file, "host-user", "pw")
        try expectFailure(refused, 4)
        #expect(refused.stderrText.contains("another mount namespace"), "\(refused.stderrText)")
        #expect(try TestSupport.readBytes(file) == left)
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == mark)
        #expect(access(journal, F_OK) == 0)
        // A reader on the host still works: it reads the file as it is (the journal is out of its reach).
        let listed = try htpass(["list", file])
        #expect(listed.status == 0, "\(listed.stderrText)")
        #expect(!listed.stdout.isEmpty)

        // Any htpass command inside the container finishes the edit.
        let finished = try namespace.run(TestSupport.htpassBinary, ["list", layout.mountPoint])
        #expect(finished.status == 0, "\(finished.stderrText)")
        #expect(try TestSupport.readBytes(file) == newContent)
        // The re-key of the first user, and every other line as it was.
        #expect(newContent.starts(with: Array("user0:".utf8)) && !newContent.starts(with: bytes.prefix(40)))
        #expect(newContent.drop { $0 != 0x0A }.elementsEqual(bytes.drop { $0 != 0x0A }))
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: namespace.view(layout.container)) == ["htpasswd"])
        #expect(try verifyStatus(file, "user0", "new-pw") == 0)

        // Now the host edits again, in place (the file is still mounted in the container).
        let added = try Self.add(file, "host-user", "pw")
        Self.expectEdited(added)
        #expect(added.stderrText.contains("in place"))
        #expect(try verifyStatus(namespace.view(layout.mountPoint), "host-user", "pw") == 0)
        print("interrupted inside the container after \(attempts) attempt(s)")
    }

    /// A container's root is an overlay file system, which takes a new device number at every mount. A
    /// container killed before its commit point leaves a mark that says pending (the file was not written
    /// under it): the host clears it and edits, and the container, started again with another device
    /// number for its directory, edits too — nothing waits for a journal that was never committed.
    @Test(
        "A container on overlayfs killed before its commit point: its pending mark is cleared by the host, and the container started again (a new st_dev) edits"
    )
    func killedBeforeCommitThenRestartedOnOverlay() throws {
        try MountNamespace.requireRoot()
        let sandbox = try Sandbox()
        for name in ["host", "lower", "lower/etc", "upper", "work", "root", "spacer"] {
            mkdir(sandbox.path(name), 0o755)
        }
        let file = sandbox.path("host/htpasswd")
        let alice = Array("alice:{SHA}4vCGRwEY+OgIlyZo0bMv0IkxE1E=\n".utf8)
        try TestSupport.writeBytes(alice, to: file)
        try TestSupport.writeBytes([], to: sandbox.path("lower/etc/htpasswd"))
        let mountPoint = sandbox.path("root/etc/htpasswd")
        // The container: its root an overlay of the image (lower) and its own layer (upper, which outlives it),
        // the host's file bind-mounted alone. Each run is a new mount namespace: a new start.
        func container(_ commands: String, spacer: Bool = false) throws -> TestSupport.Output {
            let script = """
                set -e
                \(spacer ? "for i in $(seq 16); do mount -t tmpfs spacer \(sandbox.path("spacer")); done" : ":")
                mount -t overlay overlay -o lowerdir=\(sandbox.path("lower")),upperdir=\(sandbox.path("upper")),workdir=\(sandbox.path("work")) \(sandbox.path("root"))
                mount --bind \(file) \(mountPoint)
                stat -c 'device %d' \(sandbox.path("root/etc"))
                \(commands)
                """
            return try TestSupport.run(
                try TestSupport.locate("unshare"), ["-m", "--propagation", "private", "bash", "-c", script],
                environment: ["PW": "pw"])
        }
        // Killed at the call that would commit its journal (renameat2 NOREPLACE, or linkat where unsupported): the mark is set and pending, the file untouched.
        let strace = try TestSupport.locate("strace")
        let first = try container(
            "\(strace) -f -qq -o /dev/null -e trace=renameat2,linkat -e inject=renameat2,linkat:signal=KILL -- \(TestSupport.htpassBinary) add \(mountPoint) bob --password-env PW -a sha1 || true"
        )
        let mark = try #require(try TestSupport.extendedAttribute(Self.markName, of: file), "\(first.stderrText)")
        #expect(mark.hasPrefix("v2 pending "), "\(mark)")
        #expect(try TestSupport.readBytes(file) == alice)

        // The host cannot reach the container's directory, but a pending mark needs no journal: cleared.
        Self.expectEdited(try Self.add(file, "host-user", "pw"))
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == nil)

        // Started again, with another device number for the same directory (spacers take the old one: the
        // kernel hands out the lowest free anonymous device numbers, and tests running meanwhile may free
        // lower ones than the overlay's, so one spacer was not always enough):
        // the dead writer's temporary file goes, and the edit is made.
        let second = try container(
            "\(TestSupport.htpassBinary) add \(mountPoint) carol --password-env PW -a sha1", spacer: true)
        #expect(second.status == 0, "\(second.stderrText)")
        let devices = (first.stdoutText + second.stdoutText).split(separator: "\n").filter { $0.hasPrefix("device ") }
        try #require(devices.count == 2 && devices[0] != devices[1], "the overlay kept its device: \(devices)")
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == nil)
        #expect(lines(try htpass(["list", file]).stdoutText) == ["alice", "host-user", "carol"])
        #expect(try FaultInjectionTests.names(sandbox.path("upper/etc")).filter { $0.contains(".htpass-") }.isEmpty)
    }

    /// `docker run -v /srv/auth/htpasswd:/srv/auth/htpasswd`: the container's directory has the host's
    /// path, but it is another directory. The journal's path in the mark names, on the host, the host's own
    /// directory, where no journal is: only the directory's identity in the mark tells them apart.
    @Test(
        "A container that mounts the file at the host's own path is interrupted after its commit point: the host neither clears the mark nor edits; htpass in the container finishes"
    )
    func interruptedInsideNamespaceAtTheSamePath() throws {
        try MountNamespace.requireRoot()
        let sandbox = try Sandbox()
        for name in ["host", "source"] { mkdir(sandbox.path(name), 0o755) }
        let file = sandbox.path("host/htpasswd")
        let bytes = try Self.writeLargeFile(file)
        // The namespace hides the host's directory under a tmpfs of its own, then mounts the file at the
        // same path, reaching it through a second link (which also makes the host's edits go in place).
        let source = sandbox.path("source/htpasswd")
        #expect(link(file, source) == 0)
        let namespace = try MountNamespace(
            privateDirectory: sandbox.path("host"), binds: [.init(source, at: file, readOnly: false)])
        defer { namespace.stop() }
        #expect(try TestSupport.readBytes(namespace.view(file)) == bytes)

        let (newContent, attempts) = try Self.interruptAfterCommit(in: namespace, mountPoint: file)
        let mark = try #require(try TestSupport.extendedAttribute(Self.markName, of: file))
        #expect(mark.hasPrefix("v2 committed \(try Self.namespaceInode(namespace.processID)) "), "\(mark)")
        #expect(mark.hasSuffix(" \(sandbox.path("host/.htpasswd.htpass-journal"))"), "\(mark)")
        #expect(access(sandbox.path("host/.htpasswd.htpass-journal"), F_OK) != 0)

        // On the host: a reader reads the file as it is and leaves the mark; an edit refuses.
        let left = try TestSupport.readBytes(file)
        let listed = try htpass(["list", file])
        #expect(listed.status == 0, "\(listed.stderrText)")
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == mark, "the host cleared the mark")
        let refused = try Self.add(file, "host-user", "pw")
        try expectFailure(refused, 4)
        #expect(refused.stderrText.contains("another mount namespace"), "\(refused.stderrText)")
        #expect(try TestSupport.readBytes(file) == left)

        // In the container, any htpass command finishes the edit; then the host edits.
        let finished = try namespace.run(TestSupport.htpassBinary, ["list", file])
        #expect(finished.status == 0, "\(finished.stderrText)")
        #expect(try TestSupport.readBytes(file) == newContent)
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == nil)
        Self.expectEdited(try Self.add(file, "host-user", "pw"))
        #expect(try verifyStatus(namespace.view(file), "host-user", "pw") == 0)
        print("interrupted inside the container (same path as the host's) after \(attempts) attempt(s)")
    }

    /// A container restarts in a new mount namespace, with the same files: its journal is where the mark
    /// says, with the same token, for the same inode, yet the mark names the old namespace.
    @Test(
        "An in-place edit interrupted in a container that then restarted (a new mount namespace, the same container files) is finished by htpass in the new container"
    )
    func interruptedThenRestarted() throws {
        try MountNamespace.requireRoot()
        let layout = try Layout()
        let file = layout.file
        _ = try Self.writeLargeFile(file)
        // The container's files outlive its namespace (an overlay's upper directory): no private tmpfs.
        let bind = MountNamespace.Bind(file, at: layout.mountPoint, readOnly: false)
        let first = try MountNamespace(binds: [bind])
        let (newContent, _) = try Self.interruptAfterCommit(in: first, layout)
        let mark = try #require(try TestSupport.extendedAttribute(Self.markName, of: file))
        first.stop()
        // Another namespace takes the freed number first, so that the restarted one cannot reuse it.
        let spacer = try MountNamespace(binds: [])
        defer { spacer.stop() }
        let restarted = try MountNamespace(binds: [bind])
        defer { restarted.stop() }
        try #require(!mark.hasPrefix("v2 committed \(try Self.namespaceInode(restarted.processID)) "))

        let added = try restarted.run(
            TestSupport.htpassBinary, ["add", layout.mountPoint, "after-restart", "--stdin"] + fast,
            stdin: Array("pw".utf8))
        Self.expectEdited(added)
        #expect(try TestSupport.extendedAttribute(Self.markName, of: file) == nil)
        let lines = try TestSupport.readBytes(file).split(separator: 0x0A)
        #expect(lines.first.map(Array.init) == newContent.split(separator: 0x0A).first.map(Array.init))
        #expect(lines.count == 20_001)
    }
}

import Foundation
import Glibc
import TestSupport
import Testing

/// `--write-mode rename` does what it says even where a rename does not reach every reader; then htpass
/// must say, in one warning, that a container with the file bind-mounted alone keeps the old file, and what
/// to do. Real mounts (unshare, mount --bind): root.
@Suite("The warning after a rename that a container does not see", .serialized)
struct RenameWarningTests {
    static let hash = "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/"

    static func content(_ users: [String]) -> String { users.map { "\($0):\(hash)\n" }.joined() }

    /// A file with alice and bob, bind-mounted alone, read-only, into a new mount namespace.
    static func mountedFile() throws -> (sandbox: Sandbox, file: String, mountPoint: String, namespace: MountNamespace)
    {
        let sandbox = try Sandbox()
        for name in ["host", "container"] { mkdir(sandbox.path(name), 0o755) }
        let file = try sandbox.write("host/htpasswd", content(["alice", "bob"]))
        let mountPoint = sandbox.path("container") + "/htpasswd"
        let namespace = try MountNamespace(
            privateDirectory: sandbox.path("container"), binds: [.init(file, at: mountPoint, readOnly: true)])
        return (sandbox, file, mountPoint, namespace)
    }

    @Test(
        "An explicit rename of a file bind-mounted alone: one warning names the container, says it keeps the old file, and what to do",
        arguments: [false, true])
    func explicitRename(fromEnvironment: Bool) throws {
        let (sandbox, file, mountPoint, namespace) = try Self.mountedFile()
        defer { namespace.stop() }
        let inode = try TestSupport.inode(file)

        let delete =
            fromEnvironment
            ? try htpass(["delete", file, "bob"], environment: ["HTPASS_WRITE_MODE": "rename"])
            : try htpass(["delete", "--write-mode", "rename", file, "bob"], environment: ["HTPASS_WRITE_MODE": nil])
        expectSuccess(delete)
        // What was asked happened: a new inode, which the container does not see.
        #expect(try TestSupport.inode(file) != inode)
        #expect(try sandbox.text("host/htpasswd") == Self.content(["alice"]))
        #expect(
            String(decoding: try TestSupport.readBytes(namespace.view(mountPoint)), as: UTF8.self)
                == Self.content(["alice", "bob"]))

        let said = lines(delete.stderrText)
        #expect(said.count == 1, "one line expected, stderr: \(delete.stderrText)")
        let warning = said.first ?? ""
        #expect(warning.hasPrefix("htpass: warning: Replaced '\(file)' by rename"), "\(warning)")
        #expect(
            warning.contains(
                "bind-mounted alone into another mount namespace (process \(namespace.processID), at '\(mountPoint)')"),
            "\(warning)")
        #expect(warning.contains("keep the old file until they restart"), "\(warning)")
        #expect(warning.contains("--write-mode auto"), "\(warning)")
    }

    @Test("Write mode auto on the same file: written in place, a note and no warning")
    func autoWritesInPlace() throws {
        let (sandbox, file, mountPoint, namespace) = try Self.mountedFile()
        defer { namespace.stop() }
        let inode = try TestSupport.inode(file)
        let delete = try htpass(["delete", file, "bob"], environment: ["HTPASS_WRITE_MODE": nil])
        expectSuccess(delete)
        #expect(try TestSupport.inode(file) == inode)
        #expect(try sandbox.text("host/htpasswd") == Self.content(["alice"]))
        #expect(
            String(decoding: try TestSupport.readBytes(namespace.view(mountPoint)), as: UTF8.self)
                == Self.content(["alice"]))
        #expect(!delete.stderrText.contains("warning"), "stderr: \(delete.stderrText)")
        #expect(delete.stderrText.hasPrefix("htpass: note: Wrote '\(file)' in place"), "stderr: \(delete.stderrText)")
    }

    @Test("An explicit rename of a file mounted nowhere else says nothing")
    func renameOfUnmountedFile() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("htpasswd", Self.content(["alice", "bob"]))
        let delete = try htpass(["delete", "--write-mode", "rename", file, "bob"])
        expectSuccess(delete)
        #expect(delete.stderrText.isEmpty, "stderr: \(delete.stderrText)")
        #expect(try sandbox.text("htpasswd") == Self.content(["alice"]))
    }
}

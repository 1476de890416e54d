import Foundation
import Glibc
import TestSupport
import Testing

/// A file mode, shown in octal in test names.
struct FileMode: Sendable, CustomTestStringConvertible {
    let bits: mode_t
    init(_ bits: mode_t) { self.bits = bits }
    var testDescription: String { "0" + String(bits, radix: 8) }
}

@Suite("Issue 16: set-user-ID, set-group-ID and sticky bits are never carried into an edited file")
struct SetIDTests {
    /// Root's edits keep the owner, so a copied set-user-ID bit would make a root-owned setuid file of
    /// whatever the file held: with a planted link (PlantedLinkTests, LockTests), of an attacker's choosing.
    /// Written in place, root's `write` keeps the bits too (root has CAP_FSETID, which the kernel's
    /// clear-on-write honours), so in-place edits are covered as well.
    @Test(
        "An htpasswd file that is itself set-id, edited by root, by rename and in place: the result has no set-id or sticky bit, or htpass refuses",
        arguments: [FileMode(0o4755), FileMode(0o2755), FileMode(0o6750), FileMode(0o1644)],
        [Edit.add, .addCreate, .delete, .createForce, .apply, .applyExclusive])
    func setIDSource(fileMode: FileMode, edit: Edit) throws {
        let mode = fileMode.bits
        for writeMode in ["rename", "in-place"] {
            let scene = try Scene("setid")
            defer { scene.remove() }
            try scene.directory("etc", mode: 0o755)
            let file = try scene.file("etc/htpasswd", mode: mode, group: scene.accounts.writers)
            let before = try #require(status(file))
            #expect(before.st_mode & 0o7777 == mode, "the scene's file is set-id")

            let run = try edit.run(file, extra: ["--write-mode", writeMode])

            let context = "mode \(String(mode, radix: 8)), --write-mode \(writeMode): \(run)"
            let after = try #require(status(file))
            if run.status == 0 {
                #expect(
                    after.st_mode & 0o7000 == 0,
                    "result is mode \(String(after.st_mode & 0o7777, radix: 8)) — \(context)")
                #expect(after.st_mode & 0o777 == mode & 0o777, "permission bits kept — \(context)")
                #expect(after.st_uid == 0 && after.st_gid == scene.accounts.writers, "owner kept — \(context)")
                #expect(userNames(try TestSupport.readBytes(file)) == edit.usersAfter, "\(context)")
            } else {
                // A refusal is allowed, if it leaves the file as it was.
                #expect(run.status == 4, "\(context)")
                #expect(try TestSupport.readBytes(file) == Scene.users, "\(context)")
                #expect(after.st_ino == before.st_ino, "\(context)")
            }
            // No set-id temporary file or journal left beside it.
            for name in try FileManager.default.contentsOfDirectory(atPath: scene.path("etc")) where name != "htpasswd"
            {
                let info = status(scene.path("etc/" + name))
                #expect(info.map { $0.st_mode & 0o7000 == 0 } ?? true, "\(name) left with set-id bits — \(context)")
            }
        }
    }
}

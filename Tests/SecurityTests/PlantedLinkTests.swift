import Foundation
import Glibc
import TestSupport
import Testing

/// Where an attacker plants a symbolic link on the path root's htpass is given, and where it points.
///
/// The kernel would refuse some of these links itself with `fs.protected_symlinks=1`, but the sysctl is 0 on
/// some machines (ours) and inside some containers, so htpass applies the rule itself: a link in a sticky,
/// world-writable directory is followed only if the caller or the directory's owner owns it; and, as systemd's
/// `chase()` with `CHASE_SAFE`, a step from a directory or link owned by neither root nor the caller to an
/// object of another owner is refused.
enum PlantedLink: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case fileInSticky = "FILE is the attacker's link in a sticky 1777 directory"
    case relativeFileInSticky = "FILE is the attacker's relative link (../) in a sticky 1777 directory"
    case fileInAttackersDirectory = "FILE is a link in a directory the attacker owns"
    case relativeFileInAttackersDirectory = "FILE is a relative link (../) in a directory the attacker owns"
    case fileInWorldWritable = "FILE is the attacker's link in root's world-writable, not sticky, directory"
    case directoryInSticky = "a directory of FILE's path is the attacker's link in a sticky directory"
    case directoryInAttackersDirectory = "a directory of FILE's path is a link in a directory the attacker owns"

    var testDescription: String { rawValue }

    /// Plants the link in `scene`, pointing at the root-only secret (`secret/htpasswd`, 0600 in a 0700
    /// directory); returns FILE, as root is told to edit it, and the link's own path.
    func plant(in scene: Scene) throws -> (file: String, link: String) {
        let secret = try scene.rootOnlySecret()
        let attacker = scene.accounts.attacker
        switch self {
        case .fileInSticky, .relativeFileInSticky, .directoryInSticky:
            try scene.directory("sticky", mode: 0o1777)
        case .fileInAttackersDirectory, .relativeFileInAttackersDirectory, .directoryInAttackersDirectory:
            try scene.directory("home", mode: 0o755, owner: attacker)
        case .fileInWorldWritable:
            try scene.directory("shared", mode: 0o777)
        }
        switch self {
        case .fileInSticky:
            try scene.link("sticky/htpasswd", to: secret, as: attacker)
            return (scene.path("sticky/htpasswd"), scene.path("sticky/htpasswd"))
        case .relativeFileInSticky:
            try scene.link("sticky/htpasswd", to: "../secret/htpasswd", as: attacker)
            return (scene.path("sticky/htpasswd"), scene.path("sticky/htpasswd"))
        case .fileInAttackersDirectory:
            try scene.link("home/htpasswd", to: secret, as: attacker)
            return (scene.path("home/htpasswd"), scene.path("home/htpasswd"))
        case .relativeFileInAttackersDirectory:
            try scene.link("home/htpasswd", to: "../secret/htpasswd", as: attacker)
            return (scene.path("home/htpasswd"), scene.path("home/htpasswd"))
        case .fileInWorldWritable:
            try scene.link("shared/htpasswd", to: secret, as: attacker)
            return (scene.path("shared/htpasswd"), scene.path("shared/htpasswd"))
        case .directoryInSticky:
            try scene.link("sticky/conf", to: scene.path("secret"), as: attacker)
            return (scene.path("sticky/conf/htpasswd"), scene.path("sticky/conf"))
        case .directoryInAttackersDirectory:
            try scene.link("home/conf", to: scene.path("secret"), as: attacker)
            return (scene.path("home/conf/htpasswd"), scene.path("home/conf"))
        }
    }
}

/// A link whose owner htpass trusts: root's own, or a user's own used by that user, or one owned by the owner
/// of the directory it sits in and of what it points at.
enum TrustedLink: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case rootsLink = "root's link in root's directory, used by root"
    case rootsRelativeLink = "root's relative link in root's directory, used by root"
    case rootsLinkInSticky = "root's link in root's sticky 1777 directory, used by root"
    case rootsLinkToUsersFile = "root's link in root's directory to a user's file in the user's directory, used by root"
    case usersLink = "a user's link in the user's directory to the user's file, used by that user"
    case usersRelativeLink = "a user's relative link in the user's directory, used by that user"
    case usersLinkInSticky = "a user's link in a sticky 1777 directory to the user's file, used by that user"
    case usersRelativeLinkUsedByRoot = "a user's relative link in the user's directory to the user's file, used by root"

    var testDescription: String { rawValue }

    /// Who runs htpass: root (nil), or the user who owns the link.
    func runner(_ accounts: Accounts) -> Account? {
        switch self {
        case .usersLink, .usersRelativeLink, .usersLinkInSticky: accounts.other
        default: nil
        }
    }

    /// Makes the link and its target; returns FILE, the link, the link's target as written, and the target's path.
    func make(in scene: Scene) throws -> (file: String, link: String, written: String, target: String) {
        let other = scene.accounts.other
        switch self {
        case .rootsLink, .rootsRelativeLink, .rootsLinkInSticky:
            try scene.directory("etc", mode: self == .rootsLinkInSticky ? 0o1777 : 0o755)
            try scene.directory("srv", mode: 0o755)
            let target = try scene.file("srv/htpasswd", mode: 0o640)
            let written = self == .rootsRelativeLink ? "../srv/htpasswd" : target
            try scene.link("etc/htpasswd", to: written, as: nil)
            return (scene.path("etc/htpasswd"), scene.path("etc/htpasswd"), written, target)
        case .rootsLinkToUsersFile:
            try scene.directory("etc", mode: 0o755)
            try scene.directory("home", mode: 0o755, owner: other)
            let target = try scene.file("home/htpasswd", mode: 0o640, owner: other.uid, group: other.gid)
            try scene.link("etc/htpasswd", to: target, as: nil)
            return (scene.path("etc/htpasswd"), scene.path("etc/htpasswd"), target, target)
        case .usersLink, .usersRelativeLink, .usersRelativeLinkUsedByRoot:
            try scene.directory("home", mode: 0o755, owner: other)
            let target = try scene.file("home/real.htpasswd", mode: 0o640, owner: other.uid, group: other.gid)
            let written = self == .usersLink ? target : "real.htpasswd"
            try scene.link("home/htpasswd", to: written, as: other)
            return (scene.path("home/htpasswd"), scene.path("home/htpasswd"), written, target)
        case .usersLinkInSticky:
            try scene.directory("sticky", mode: 0o1777)
            try scene.directory("home", mode: 0o755, owner: other)
            let target = try scene.file("home/htpasswd", mode: 0o640, owner: other.uid, group: other.gid)
            try scene.link("sticky/htpasswd", to: target, as: other)
            return (scene.path("sticky/htpasswd"), scene.path("sticky/htpasswd"), target, target)
        }
    }
}

@Suite("Issue 16: FILE is resolved by a safe walk: planted links are refused, trusted ones followed")
struct PlantedLinkTests {
    @Test(
        "A planted link to a root-only file is refused: status 4, one line naming the path, nothing written anywhere",
        arguments: PlantedLink.allCases, Edit.editing)
    func plantedLink(place: PlantedLink, edit: Edit) throws {
        let scene = try Scene("planted")
        defer { scene.remove() }
        let (file, link) = try place.plant(in: scene)
        let before = try Tree.snapshot(scene.base)

        let run = try edit.run(file)

        #expect(run.status == 4, "\(run)")
        #expect(run.stderrLines.count == 1, "one line on stderr: \(run)")
        #expect(run.stderr.contains(link), "stderr names the path: \(run)")
        // The secret keeps its bytes, mode, owner and inode; no temporary file, journal or new file anywhere.
        let changes = try Tree.snapshot(scene.base).changes(since: before)
        #expect(changes.isEmpty, "\(changes.joined(separator: "; ")) — \(run)")
    }

    @Test(
        "A dangling planted link into a root-only 0700 directory: nothing is created there",
        arguments: [PlantedLink.fileInSticky, .relativeFileInSticky, .fileInAttackersDirectory, .fileInWorldWritable],
        Edit.creating)
    func danglingLink(place: PlantedLink, edit: Edit) throws {
        let scene = try Scene("dangling")
        defer { scene.remove() }
        // The link as planted, then the secret removed: following the link would create secret/htpasswd.
        let (file, link) = try place.plant(in: scene)
        let target = scene.path("secret/htpasswd")
        unlink(target)
        let before = try Tree.snapshot(scene.base)

        let run = try edit.run(file)

        #expect(run.status == 4, "\(run)")
        #expect(run.stderrLines.count == 1, "one line on stderr: \(run)")
        #expect(run.stderr.contains(link), "stderr names the path: \(run)")
        #expect(status(target) == nil, "\(target) was created: \(run)")
        let changes = try Tree.snapshot(scene.base).changes(since: before)
        #expect(changes.isEmpty, "\(changes.joined(separator: "; ")) — \(run)")
    }

    @Test(
        "Root's own file in a directory another user owns is refused (the step from their directory to root's file): nothing written",
        arguments: Edit.editing)
    func rootsFileInUsersDirectory(edit: Edit) throws {
        let scene = try Scene("foreign-directory")
        defer { scene.remove() }
        // The user could swap anything in under that name at any moment: root does not step from their
        // directory to a file of someone else (systemd's unsafe transition).
        try scene.directory("home", mode: 0o755, owner: scene.accounts.attacker)
        let file = try scene.file("home/htpasswd", mode: 0o640)
        let before = try Tree.snapshot(scene.base)

        let run = try edit.run(file)

        #expect(run.status == 4, "\(run)")
        #expect(run.stderrLines.count == 1, "one line on stderr: \(run)")
        #expect(run.stderr.contains(file), "stderr names the path: \(run)")
        let changes = try Tree.snapshot(scene.base).changes(since: before)
        #expect(changes.isEmpty, "\(changes.joined(separator: "; ")) — \(run)")
    }

    @Test(
        "A link root or the user made keeps working: the target is edited, the link stays a link",
        arguments: TrustedLink.allCases, Edit.editing)
    func trustedLink(kind: TrustedLink, edit: Edit) throws {
        let scene = try Scene("trusted")
        defer { scene.remove() }
        let (file, link, written, target) = try kind.make(in: scene)
        let before = try #require(status(target))
        let linkDirectory = URL(fileURLWithPath: link).deletingLastPathComponent().path
        let targetDirectory = URL(fileURLWithPath: target).deletingLastPathComponent().path
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: linkDirectory))
            .union(try FileManager.default.contentsOfDirectory(atPath: targetDirectory))

        let run = try edit.run(file, as: kind.runner(scene.accounts))

        #expect(run.status == 0, "\(run)")
        #expect(linkTarget(link) == written, "the link is still a link to \(written)")
        let after = try #require(status(target))
        #expect(after.st_mode & S_IFMT == S_IFREG)
        #expect(userNames(try TestSupport.readBytes(target)) == edit.usersAfter, "\(run)")
        #expect(after.st_uid == before.st_uid && after.st_gid == before.st_gid, "owner kept")
        #expect(after.st_mode & 0o7777 == before.st_mode & 0o7777, "mode kept")
        // No temporary file or journal left behind in either directory.
        let namesAfter = Set(try FileManager.default.contentsOfDirectory(atPath: linkDirectory))
            .union(try FileManager.default.contentsOfDirectory(atPath: targetDirectory))
        #expect(namesAfter == names, "left behind: \(namesAfter.subtracting(names).sorted())")
    }
}

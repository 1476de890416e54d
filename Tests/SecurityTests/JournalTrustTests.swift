import Foundation
import Glibc
import TestSupport
import Testing

/// A journal someone other than root, the caller or the file's owner left next to the file. Anyone may create
/// files in a sticky 1777 directory, and a journal's header is easy to forge (it names the file's device and
/// inode, which `stat` tells everyone), so its owner is what decides: a forged journal rolled forward would
/// have root write the forger's users into the file.
enum ForgedJournal: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case unlistedOwner = "owned by a uid /etc/passwd does not list (54321), the file group-writable"
    case nonMember = "owned by a listed user outside the file's group (htpass-attacker)"
    case groupMember = "owned by a member of the file's group (htpass-other): may write the file, but is not its owner"
    case otherInode = "naming another inode (htpass-attacker's)"

    var testDescription: String { rawValue }

    /// The journal's owner and group.
    func owner(_ accounts: Accounts) -> (uid_t, gid_t) {
        switch self {
        case .unlistedOwner: (54321, 54321)
        case .nonMember, .otherInode: (accounts.attacker.uid, accounts.attacker.gid)
        case .groupMember: (accounts.other.uid, accounts.other.gid)
        }
    }
}

/// A command root runs on a file with a forged journal beside it.
enum JournalReader: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case list, add, delete, recover, check

    var testDescription: String { "htpass \(rawValue)" }

    func run(_ file: String) throws -> Run {
        switch self {
        case .list: try Htpass.run(["list", file])
        case .check: try Htpass.run(["check", file])
        case .add: try Edit.add.run(file)
        case .delete: try Edit.delete.run(file)
        case .recover: try Edit.recover.run(file)
        }
    }
}

@Suite(
    "Issue 16: a journal is trusted only from root, the caller or the file's owner, in the file's directory, for its inode"
)
struct JournalTrustTests {
    /// The content a forger wants in the file.
    static let forged = Array("mallory:{SHA}Zu+OQTq7q8D8kRt1CqqJaMTaTHQ=\n".utf8)

    /// A journal for `file` as htpass writes one (Tests/HtpasswdCoreTests/JournalSafetyTests.swift): a
    /// 256-byte header `htpass-journal 2 DEV INO SIZE FIRSTCHANGE MARKED TOKEN`, padded with spaces and ending
    /// in a newline, then the new content. Unmarked (no extended attribute on the file needed), so that it is
    /// rolled forward by name if trusted.
    static func journal(for file: String, inodeOffset: UInt64 = 0) throws -> [UInt8] {
        let info = try #require(status(file))
        var header = Array(
            "htpass-journal 2 \(info.st_dev) \(UInt64(info.st_ino) + inodeOffset) \(forged.count) 0 0 feedfacefeedface"
                .utf8)
        header += [UInt8](repeating: UInt8(ascii: " "), count: 255 - header.count)
        header.append(0x0A)
        return header + forged
    }

    @Test(
        "A forged journal next to a 0660 root:group file in a sticky directory: never written over the file, never removed; edits refuse naming it, check reports it",
        arguments: ForgedJournal.allCases, JournalReader.allCases)
    func forgedJournal(forgery: ForgedJournal, reader: JournalReader) throws {
        let scene = try Scene("journal")
        defer { scene.remove() }
        try scene.directory("sticky", mode: 0o1777)
        let file = try scene.file("sticky/htpasswd", mode: 0o660, group: scene.accounts.writers)
        let (uid, gid) = forgery.owner(scene.accounts)
        let journalBytes = try Self.journal(for: file, inodeOffset: forgery == .otherInode ? 1000 : 0)
        let journal = try scene.file(
            "sticky/.htpasswd.htpass-journal", journalBytes, mode: 0o644, owner: uid, group: gid)
        let before = try #require(status(file))

        let run = try reader.run(file)

        // Never rolled forward: the file keeps its bytes and its inode.
        #expect(
            try TestSupport.readBytes(file) == Scene.users, "the file was replaced by the journal's content — \(run)")
        #expect(status(file)?.st_ino == before.st_ino, "\(run)")
        // Never removed silently.
        let kept = status(journal)
        #expect(kept != nil, "the journal was removed — \(run)")
        #expect(kept?.st_uid == uid, "\(run)")
        #expect((try? TestSupport.readBytes(journal)) == journalBytes, "\(run)")

        switch reader {
        case .add, .delete, .recover:
            #expect(run.status == 4, "\(run)")
            #expect(run.stderr.contains(".htpasswd.htpass-journal"), "the error names the journal: \(run)")
        case .check:
            #expect((run.stdout + run.stderr).contains(".htpasswd.htpass-journal"), "check reports the journal: \(run)")
        case .list:
            // A reader reads the file as it is (it may also warn, or refuse): never the forger's users.
            #expect(!run.stdout.contains("mallory"), "list shows the journal's users: \(run)")
            if run.status == 0 { #expect(run.stdout.contains("alice"), "\(run)") }
        }
    }
}

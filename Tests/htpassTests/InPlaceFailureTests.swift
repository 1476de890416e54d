import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Failures at the chosen steps of an in-place edit (strace fault injection), and what the command says
/// and leaves: before the commit point, the file untouched and no mark; after it, one retry, then status 4
/// saying that the edit is complete in its journal and that the next run finishes it — which it does.
/// The systematic sweep over every call is FaultInjectionTests; these pin the outcomes it allows.
@Suite("In-place edits: failures before and after the commit point (strace)")
struct InPlaceFailureTests {
    static let oldContent = FaultInjectionTests.oldContent
    static let markName = "user.htpass.journal"

    /// A fresh directory holding the old file; the directory and the file.
    static func prepare(_ label: String) throws -> (directory: String, file: String) {
        let directory = try FaultInjectionTests.canonical(try TestSupport.temporaryDirectory(label))
        let file = directory + "/users"
        try TestSupport.writeBytes(oldContent, to: file)
        chmod(file, 0o640)
        return (directory, file)
    }

    /// `htpass add FILE dave` (sha1: the same bytes every time) in `mode`, under strace with `options`.
    static func add(_ file: String, mode: String = "in-place", strace options: [String]) throws -> TestSupport.Output {
        try TestSupport.spawn(
            try TestSupport.locate("strace"),
            (["-f", "-qq", "-o", "/dev/null"] + options + ["--", TestSupport.htpassBinary]
                + FaultInjectionTests.Edit.add.arguments(file, mode: mode)).map { Array($0.utf8) },
            environment: [FaultInjectionTests.passwordVariable: "dave-pw"])
    }

    /// What the edit writes, without faults.
    static func newContent() throws -> [UInt8] {
        let (_, file) = try prepare("htpass-inplace-reference")
        let output = try add(file, strace: ["-e", "trace=none"])
        try #require(output.status == 0, "\(output.stderrText)")
        return try TestSupport.readBytes(file)
    }

    /// The error lines (not warnings) on stderr.
    static func errors(_ output: TestSupport.Output) -> [String] {
        lines(output.stderrText).filter { !$0.hasPrefix("htpass: warning: ") }
    }

    static func leftovers(_ directory: String) throws -> [String] {
        try FaultInjectionTests.names(directory).filter { $0 != "users" }
    }

    @Test("Writing the file fails once after the commit point: retried, the edit succeeds")
    func copyFailsOnce() throws {
        let new = try Self.newContent()
        let (directory, file) = try Self.prepare("htpass-inplace-once")
        // copy_file_range #1 copies the old file into the temporary one; #2 the journal into the file.
        let output = try Self.add(
            file, strace: ["-e", "trace=copy_file_range", "-e", "inject=copy_file_range:error=ENOSPC:when=2"])
        #expect(output.status == 0 && Self.errors(output).isEmpty, "\(output.stderrText)")
        #expect(try TestSupport.readBytes(file) == new)
        #expect(try Self.leftovers(directory).isEmpty)
        #expect(!FaultInjectionTests.hasJournalMark(file))
    }

    @Test(
        "Writing the file fails twice after the commit point: status 4 says the edit is in its journal and that 'htpass recover' finishes it, which it does"
    )
    func copyFailsTwice() throws {
        let new = try Self.newContent()
        let (directory, file) = try Self.prepare("htpass-inplace-twice")
        let output = try Self.add(
            file, strace: ["-e", "trace=copy_file_range", "-e", "inject=copy_file_range:error=ENOSPC:when=2..3"])
        #expect(output.status == 4)
        let errors = Self.errors(output)
        #expect(errors.count == 1, "\(output.stderrText)")
        let message = errors.first ?? ""
        #expect(message.contains("is complete in its journal '\(directory)/.users.htpass-journal'"), "\(message)")
        #expect(message.contains("No space left on device"), "\(message)")
        #expect(message.hasSuffix("then run: htpass recover \(file)"), "\(message)")
        #expect(try Self.leftovers(directory) == [".users.htpass-journal"])
        #expect(FaultInjectionTests.hasJournalMark(file))

        // The disk is still full: recover says so, and changes nothing.
        let failed = try TestSupport.spawn(
            try TestSupport.locate("strace"),
            [
                "-f", "-qq", "-o", "/dev/null", "-e", "trace=copy_file_range", "-e",
                "inject=copy_file_range:error=ENOSPC", "--", TestSupport.htpassBinary, "recover", file,
            ].map {
                Array($0.utf8)
            })
        #expect(failed.status == 4, "\(failed.stderrText)")
        #expect(Self.errors(failed).count == 1 && failed.stderrText.contains("No space left on device"))
        #expect(try Self.leftovers(directory) == [".users.htpass-journal"])

        let recovered = try htpass(["recover", file])
        #expect(recovered.status == 0, "\(recovered.stderrText)")
        #expect(recovered.stderrText == "htpass: note: Finished the interrupted edit of '\(file)'\n")
        #expect(try TestSupport.readBytes(file) == new)
        #expect(try Self.leftovers(directory).isEmpty)
        #expect(!FaultInjectionTests.hasJournalMark(file))
        let again = try htpass(["recover", file])
        #expect(again.status == 0 && again.stderrText.isEmpty, "\(again.stderrText)")
        let listed = try htpass(["list", file])
        #expect(lines(listed.stdoutText) == ["alice", "bob", "carol", "dave"])
    }

    @Test(
        "An edit that finds an earlier in-place edit it cannot finish changes nothing and says so; recover on a missing file is status 4"
    )
    func earlierEditNotFinished() throws {
        let (directory, file) = try Self.prepare("htpass-inplace-earlier")
        let output = try Self.add(
            file, strace: ["-e", "trace=copy_file_range", "-e", "inject=copy_file_range:error=ENOSPC:when=2..3"])
        try #require(output.status == 4, "\(output.stderrText)")
        let journal = try TestSupport.readBytes(directory + "/.users.htpass-journal")
        // The next edit must finish that one first, and cannot (copy_file_range #1 is the roll-forward).
        let next = try TestSupport.spawn(
            try TestSupport.locate("strace"),
            [
                "-f", "-qq", "-o", "/dev/null", "-e", "trace=copy_file_range", "-e",
                "inject=copy_file_range:error=EIO:when=1..2", "--", TestSupport.htpassBinary, "delete", file, "bob",
            ].map { Array($0.utf8) })
        #expect(next.status == 4)
        let message = Self.errors(next).first ?? ""
        #expect(Self.errors(next).count == 1, "\(next.stderrText)")
        #expect(message.contains("could not be finished"), "\(message)")
        #expect(message.contains("so nothing was changed"), "\(message)")
        #expect(message.contains("htpass recover"), "\(message)")
        #expect(try TestSupport.readBytes(directory + "/.users.htpass-journal") == journal)

        let missing = try htpass(["recover", directory + "/absent"])
        #expect(missing.status == 4, "\(missing.stderrText)")
        #expect(missing.stderrText.contains("absent"), "\(missing.stderrText)")
    }

    @Test(
        "The directory's sync fails right after the commit point: status 4, the file untouched until the next run finishes the edit"
    )
    func directorySyncFailsAfterCommit() throws {
        let new = try Self.newContent()
        let (directory, file) = try Self.prepare("htpass-inplace-dirsync")
        // The first fsync on the directory is the one after the journal's rename.
        let output = try Self.add(
            file, strace: ["-P", directory, "-e", "trace=fsync", "-e", "inject=fsync:error=EIO:when=1"])
        #expect(output.status == 4)
        let message = Self.errors(output).first ?? ""
        #expect(Self.errors(output).count == 1, "\(output.stderrText)")
        #expect(message.contains("is complete in its journal") && message.contains("Input/output error"), "\(message)")
        #expect(try TestSupport.readBytes(file) == Self.oldContent)
        #expect(try Self.leftovers(directory) == [".users.htpass-journal"])

        let listed = try htpass(["list", file])
        #expect(listed.status == 0, "\(listed.stderrText)")
        #expect(try TestSupport.readBytes(file) == new)
        #expect(try Self.leftovers(directory).isEmpty)
        #expect(!FaultInjectionTests.hasJournalMark(file))
    }

    @Test("A failure before the commit point leaves no mark on the file, so no other view of it must wait")
    func failureBeforeCommitRemovesMark() throws {
        for (call, injection) in [("rename", "EIO"), ("pwrite64", "ENOSPC")] {
            let (directory, file) = try Self.prepare("htpass-inplace-precommit")
            let output = try Self.add(
                file, strace: ["-e", "trace=\(call)", "-e", "inject=\(call):error=\(injection):when=1"])
            #expect(output.status == 4, "\(call): \(output.stderrText)")
            #expect(Self.errors(output).count == 1, "\(call): \(output.stderrText)")
            #expect(try TestSupport.readBytes(file) == Self.oldContent)
            #expect(try Self.leftovers(directory).isEmpty, "\(call)")
            // Right after the failed command, before any other run.
            #expect(!FaultInjectionTests.hasJournalMark(file), "\(call): the mark is left")
        }
    }

    @Test("No room for the new content: the edit fails before marking the file, which stays as it was")
    func reserveFails() throws {
        let (directory, file) = try Self.prepare("htpass-inplace-reserve")
        let output = try Self.add(
            file, strace: ["-e", "trace=fallocate", "-e", "inject=fallocate:error=ENOSPC:when=1"])
        #expect(output.status == 4)
        let message = Self.errors(output).first ?? ""
        #expect(message.contains("Cannot reserve space for '\(file)': No space left on device"), "\(output.stderrText)")
        #expect(try TestSupport.readBytes(file) == Self.oldContent)
        #expect(try Self.leftovers(directory).isEmpty)
        #expect(!FaultInjectionTests.hasJournalMark(file))
    }

    @Test(
        "copy_file_range that copies nothing (some file systems) is copied another way, by rename and in place",
        arguments: ["rename", "in-place"])
    func copyFileRangeCopiesNothing(mode: String) throws {
        let new = try Self.newContent()
        let (directory, file) = try Self.prepare("htpass-cfr-zero")
        let output = try Self.add(
            file, mode: mode, strace: ["-e", "trace=copy_file_range", "-e", "inject=copy_file_range:retval=0"])
        #expect(output.status == 0 && Self.errors(output).isEmpty, "\(output.stderrText)")
        #expect(try TestSupport.readBytes(file) == new)
        #expect(try Self.leftovers(directory).isEmpty)
    }

    @Test("By rename, the directory's sync fails after the rename: the new file is in place, status 0")
    func renameDirectorySyncFails() throws {
        let new = try Self.newContent()
        let (directory, file) = try Self.prepare("htpass-rename-dirsync")
        let output = try Self.add(
            file, mode: "rename", strace: ["-P", directory, "-e", "trace=fsync", "-e", "inject=fsync:error=EIO:when=1"])
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(output.stderrText.contains("warning: The edit of"), "\(output.stderrText)")
        #expect(output.stderrText.contains("a power cut may still undo it"), "\(output.stderrText)")
        #expect(try TestSupport.readBytes(file) == new)
        #expect(try Self.leftovers(directory).isEmpty)
    }
}

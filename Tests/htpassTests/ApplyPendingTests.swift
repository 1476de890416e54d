import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `htpass apply` while an in-place edit is committed to its journal but not yet in the file (issue 16): it
/// must finish that edit before planning, or fail saying so. Planned against the journal, which is what the
/// readers see, it found nothing to do and printed `{"changed":false}` while the file on disk still held the
/// user the edit removes. The pending state is made as InPlaceFailureTests makes it: copy_file_range fails
/// (strace fault injection) both times the edit writes its journal into the file.
@Suite("htpass apply with an interrupted in-place edit pending (strace)")
struct ApplyPendingTests {
    static let users = [("alice", "alice-pw"), ("bob", "bob-pw"), ("carol", "carol-pw")]
    /// What apply is asked for: alice and carol alone, which is what the pending edit leaves.
    static let wanted = [users[0], users[2]]

    /// A directory with `users` holding alice, bob and carol, and an in-place deletion of bob that is complete
    /// in its journal but not in the file; a separate directory with the SPEC.
    ///
    /// Every copy_file_range from the `first` on fails, as on a disk that stays full: before the commit point
    /// the deletion fails cleanly (no journal), after it the journal stays. Today the second call and its
    /// retry, the third, copy the journal into the file (`when=2..3`); trying each `first` in turn keeps the
    /// test to its point if the storage layer copies in another order.
    static func pendingDeletion(_ label: String) throws -> (file: String, journal: String, spec: String) {
        let specs = try Sandbox()
        let all = try specs.write("all", ApplyTests.spec(Self.users))
        let wanted = try specs.write("wanted", ApplyTests.spec(Self.wanted))
        for first in 1...8 {
            let directory = try FaultInjectionTests.canonical(try TestSupport.temporaryDirectory(label))
            let file = directory + "/users"
            expectSuccess(try htpass(["apply", "--create", "-a", "sha1", file, all]))
            let delete = try Self.strace(
                "inject=copy_file_range:error=ENOSPC:when=\(first)+",
                ["delete", file, "bob", "--write-mode", "in-place"])
            try #require(delete.status != 0, "the deletion never failed after its commit point: \(first)")
            try #require(delete.status == 4, "\(delete.stderrText)")
            let left = try FaultInjectionTests.names(directory).filter { $0 != "users" }
            guard let journal = left.first else { continue }  // Failed before the commit point.
            try #require(left.count == 1, "\(left)")
            try #require(try Self.onDisk(file) == ["alice", "bob", "carol"])
            return (file, directory + "/" + journal, wanted)
        }
        throw PendingStateNotMade()
    }

    struct PendingStateNotMade: Error {}

    /// htpass `arguments` under strace with `injection` on copy_file_range.
    static func strace(_ injection: String, _ arguments: [String]) throws -> TestSupport.Output {
        try TestSupport.spawn(
            try TestSupport.locate("strace"),
            ([
                "-f", "-qq", "-o", "/dev/null", "-e", "trace=copy_file_range", "-e", injection, "--",
                TestSupport.htpassBinary,
            ] + arguments).map { Array($0.utf8) })
    }

    /// Every write of the file fails: the pending edit cannot be finished.
    static let diskFull = "inject=copy_file_range:error=ENOSPC"

    /// The users in the file's own bytes, not as htpass (which may read the journal instead) says.
    static func onDisk(_ file: String) throws -> [String] {
        lines(String(decoding: try TestSupport.readBytes(file), as: UTF8.self)).map {
            String($0.prefix { $0 != ":" })
        }
    }

    /// Status 4, no JSON (or anything else) on stdout, and one error line naming the edit that cannot be finished.
    static func expectPendingEditError(
        _ output: TestSupport.Output, journal: String, file: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(output.status == 4, "status \(output.status): \(output.stderrText)", sourceLocation: sourceLocation)
        #expect(output.stdout.isEmpty, "stdout: \(output.stdoutText)", sourceLocation: sourceLocation)
        let errors = lines(output.stderrText).filter { !isWarning($0) }
        #expect(errors.count == 1, "stderr: \(output.stderrText)", sourceLocation: sourceLocation)
        let message = errors.first ?? ""
        #expect(message.hasPrefix("htpass: "), "\(message)", sourceLocation: sourceLocation)
        #expect(
            message.contains("could not be finished from its journal '\(journal)'"), "\(message)",
            sourceLocation: sourceLocation)
        #expect(message.contains("No space left on device"), "\(message)", sourceLocation: sourceLocation)
        #expect(message.contains("htpass recover \(file)"), "\(message)", sourceLocation: sourceLocation)
        #expect(!output.stderrText.contains("nothing to write"), "\(output.stderrText)", sourceLocation: sourceLocation)
    }

    @Test(
        "apply while the edit cannot be finished: status 4 naming it, never {\"changed\":false}; once the disk has room, apply finishes it and bob is gone from the file"
    )
    func applyFinishesOrFails() throws {
        let (file, journal, spec) = try Self.pendingDeletion("htpass-apply-pending")
        let journalBytes = try TestSupport.readBytes(journal)
        for extra in [["--json"], ["--diff"], []] {
            let output = try Self.strace(
                Self.diskFull, ["apply", "--exclusive", "-a", "sha1"] + extra + [file, spec])
            Self.expectPendingEditError(output, journal: journal, file: file)
            #expect(!output.stdoutText.contains("\"changed\":false"))
            #expect(try Self.onDisk(file) == ["alice", "bob", "carol"], "\(extra)")
            #expect(try TestSupport.readBytes(journal) == journalBytes, "\(extra): the journal changed")
        }

        let applied = try htpass(["apply", "--exclusive", "-a", "sha1", "--json", file, spec])
        expectSuccess(applied)
        #expect(
            applied.stderrText.contains("htpass: note: Finished an interrupted edit of '\(file)'"),
            "\(applied.stderrText)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(applied.stdout)) as? [String: Any])
        #expect(summary["changed"] as? Bool == false && summary["unchanged"] as? Int == 2, "\(applied.stdoutText)")
        #expect(try Self.onDisk(file) == ["alice", "carol"])
        #expect(!FileManager.default.fileExists(atPath: journal))
        #expect(!FaultInjectionTests.hasJournalMark(file))
        // Converged for real: the next run has nothing to finish and nothing to write.
        let again = try htpass(["apply", "--exclusive", "-a", "sha1", file, spec])
        expectSuccess(again)
        #expect(again.stderrText == "htpass: note: added 0, changed 0, removed 0, unchanged 2 (nothing to write)\n")
    }

    @Test(
        "apply --dry-run while the edit cannot be finished: status 4 naming it, not 'nothing to write'; once it can be, the dry run finishes it first, as every reader does, and says so"
    )
    func dryRunFinishesOrFails() throws {
        let (file, journal, spec) = try Self.pendingDeletion("htpass-apply-pending-dry")
        for extra in [["--json"], []] {
            let output = try Self.strace(
                Self.diskFull, ["apply", "--dry-run", "--exclusive", "-a", "sha1"] + extra + [file, spec])
            Self.expectPendingEditError(output, journal: journal, file: file)
            #expect(try Self.onDisk(file) == ["alice", "bob", "carol"], "\(extra)")
            #expect(FileManager.default.fileExists(atPath: journal))
        }

        let dryRun = try htpass(["apply", "--dry-run", "--exclusive", "-a", "sha1", "--json", file, spec])
        expectSuccess(dryRun)
        #expect(
            dryRun.stderrText.contains("htpass: note: Finished an interrupted edit of '\(file)'"),
            "\(dryRun.stderrText)")
        #expect(dryRun.stderrText.contains("unchanged 2 (dry run: nothing written)"), "\(dryRun.stderrText)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(dryRun.stdout)) as? [String: Any])
        #expect(summary["changed"] as? Bool == false && summary["dry_run"] as? Bool == true)
        #expect(try Self.onDisk(file) == ["alice", "carol"])
        #expect(!FileManager.default.fileExists(atPath: journal))
    }
}

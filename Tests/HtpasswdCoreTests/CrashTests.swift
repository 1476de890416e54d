import Foundation
import Glibc
import HtpasswdCore
import TestSupport
import Testing

/// Writers killed with SIGKILL at random moments never leave a damaged file.
@Suite("Killed writers", .serialized)
struct CrashTests {
    @Test("SIGKILL at random moments leaves the old or the new file, never a partial one (by rename)")
    func killedWriters() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-crash")
        let path = directory + "/htpasswd"
        // Temporary files have random names: `.htpasswd.htpass-tmp.RANDOM`.
        func temporaries() -> [String] { (try? StoreSupport.temporaryFiles(in: directory)) ?? [] }
        // 5,000 lines (250 KB).
        let original = StoreSupport.generatedFile(users: 5_000)
        try TestSupport.writeBytes(original, to: path)
        let withChurn = original + Array("churn:$apr1$churn...$0123456789abcdefghijkl\n".utf8)

        var generator = SystemRandomNumberGenerator()
        let trials = 300
        var killedMidWrite = 0
        var states = [0, 0]
        for trial in 0..<trials {
            // `churn` adds then removes a user, over and over, until killed.
            let pid = try StoreSupport.spawn(["churn", path, "churn"], writeMode: "rename")
            if trial.isMultiple(of: 2) {
                // At a random moment.
                var nap = timespec(tv_sec: 0, tv_nsec: Int.random(in: 1_000_000...100_000_000, using: &generator))
                nanosleep(&nap, nil)
            } else {
                // In the middle of a write: as soon as the temporary file appears, or a little later.
                var polls = 0
                while temporaries().isEmpty && polls < 20_000 {
                    polls += 1
                    var pause = timespec(tv_sec: 0, tv_nsec: 50_000)
                    nanosleep(&pause, nil)
                }
                var nap = timespec(tv_sec: 0, tv_nsec: Int.random(in: 0...2_000_000, using: &generator))
                nanosleep(&nap, nil)
            }
            kill(pid, SIGKILL)
            #expect(StoreSupport.wait(pid) == 128 + SIGKILL)

            let bytes = try TestSupport.readBytes(path)
            if bytes == original {
                states[0] += 1
            } else if bytes == withChurn {
                states[1] += 1
            } else {
                Issue.record("trial \(trial): damaged file of \(bytes.count) bytes")
                break
            }
            let info = try StoreSupport.status(path)
            #expect(info.permissions == 0o644 && info.isRegularFile)
            let left = temporaries()
            if !left.isEmpty {
                // Killed between creating the temporary file and renaming it. Remove it, so that the next
                // trial waits for a fresh one (the end of the test checks that an edit removes it too).
                killedMidWrite += 1
                for name in left { #expect(unlink(directory + "/" + name) == 0) }
            }
        }
        print(
            "killed \(trials) writers: \(states[0]) old files, \(states[1]) new files, "
                + "\(killedMidWrite) killed in the middle of a write")
        // Many kills landed in the middle of a write (they left a temporary file), so the test did its job.
        #expect(killedMidWrite > 0)
        #expect(states[0] > 0 && states[1] > 0)

        // The next edit removes any leftover (a temporary file no live writer holds) and succeeds.
        try TestSupport.writeBytes(Array("partial garbage".utf8), to: directory + "/.htpasswd.htpass-tmp.deadwriter00")
        #expect(try StoreSupport.run(["add", path, "after", StoreSupport.apr1Hash]).status == 0)
        #expect(try StoreSupport.temporaryFiles(in: directory).isEmpty)
        let users = try #require(StoreSupport.users(in: TestSupport.readBytes(path)))
        #expect(users.last == "after")
        #expect(users.count == 5_001 || users.count == 5_002)
    }

    /// In place, a writer killed after its commit point leaves a file that may be neither old nor new, and
    /// a journal: the next run (here a reader, `StoreTool read`) finishes the write before it reads, and
    /// `recover` removes a temporary file of a writer killed before its commit point. What
    /// differs from a rename: between the kill and that next run, a reader that does not run htpass (a
    /// web server) can see the half-written file.
    @Test("SIGKILL during in-place edits: after the next run, the old or the new file, and no journal, temp or mark")
    func killedInPlaceWriters() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-crash-in-place")
        let path = directory + "/htpasswd"
        let journal = directory + "/.htpasswd.htpass-journal"
        func temporaries() -> [String] { (try? StoreSupport.temporaryFiles(in: directory)) ?? [] }
        let began = TestSupport.monotonicNanoseconds()
        let original = StoreSupport.generatedFile(users: 5_000)
        try TestSupport.writeBytes(original, to: path)
        let inode = try TestSupport.inode(path)
        let withChurn = original + Array("churn:$apr1$churn...$0123456789abcdefghijkl\n".utf8)

        var generator = SystemRandomNumberGenerator()
        let trials = 40
        var afterCommit = 0
        var beforeCommit = 0
        var damagedUntilNextRun = 0
        var states = [0, 0]
        for trial in 0..<trials {
            let pid = try StoreSupport.spawn(["churn", path, "churn"], writeMode: "in-place")
            func nap(_ nanoseconds: Int) {
                var pause = timespec(tv_sec: 0, tv_nsec: nanoseconds)
                nanosleep(&pause, nil)
            }
            func waitFor(_ file: String) {
                var polls = 0
                while access(file, F_OK) != 0 && polls < 200_000 {
                    polls += 1
                    nap(10_000)
                }
            }
            func waitForTemporary() {
                var polls = 0
                while temporaries().isEmpty && polls < 20_000 {
                    polls += 1
                    nap(50_000)
                }
            }
            switch trial % 4 {
            case 0:
                // At a random moment.
                nap(Int.random(in: 1_000_000...100_000_000, using: &generator))
            case 1:
                // Before the commit point: while the new content goes to the temporary file.
                waitForTemporary()
                nap(Int.random(in: 0...500_000, using: &generator))
            case 2:
                // Right after the commit point.
                waitFor(journal)
            default:
                // During the write over the file, its fsync, or the journal's removal.
                waitFor(journal)
                nap(Int.random(in: 0...1_500_000, using: &generator))
            }
            kill(pid, SIGKILL)
            #expect(StoreSupport.wait(pid) == 128 + SIGKILL)

            let before = try TestSupport.readBytes(path)
            let journaled = (try? TestSupport.readBytes(journal)).map { Array($0.dropFirst(256)) }
            if journaled != nil {
                afterCommit += 1
            } else if !temporaries().isEmpty {
                beforeCommit += 1
            }
            if before != original && before != withChurn { damagedUntilNextRun += 1 }

            // The next run, a reader, finishes the edit first; `recover` then removes a dead writer's
            // temporary file (readers remove nothing).
            let read = try StoreSupport.run(["read", path])
            #expect(read.status == 0, "trial \(trial): \(read.stderrText)")
            let recovered = try StoreSupport.run(["recover", path])
            #expect(recovered.status == 0, "trial \(trial): \(recovered.stderrText)")
            let bytes = try TestSupport.readBytes(path)
            if let journaled {
                #expect(bytes == journaled, "trial \(trial): not rolled forward")
            } else {
                #expect(bytes == before, "trial \(trial): changed without a journal")
            }
            if bytes == original {
                states[0] += 1
            } else if bytes == withChurn {
                states[1] += 1
            } else {
                Issue.record("trial \(trial): damaged file of \(bytes.count) bytes after the next run")
                break
            }
            #expect(try StoreSupport.leftovers(in: directory).isEmpty, "trial \(trial)")
            #expect(try TestSupport.extendedAttribute("user.htpass.journal", of: path) == nil, "trial \(trial)")
            #expect(try TestSupport.inode(path) == inode)
            #expect(try StoreSupport.status(path).permissions == 0o644)
        }
        print(
            "killed \(trials) in-place writers in "
                + String(format: "%.1f s: ", Double(TestSupport.monotonicNanoseconds() - began) / 1e9)
                + "\(states[0]) old files, \(states[1]) new files; "
                + "\(afterCommit) after the commit point (rolled forward), \(beforeCommit) before it with a temporary "
                + "file; \(damagedUntilNextRun) left the file neither old nor new until the next run")
        // Both recovery paths ran: roll forward, and clearing an edit that never reached its commit point.
        #expect(afterCommit > 0 && beforeCommit > 0)
        #expect(states[0] > 0 && states[1] > 0)
    }
}

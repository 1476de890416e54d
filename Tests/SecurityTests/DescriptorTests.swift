import Foundation
import Glibc
import TestSupport
import Testing

/// The system calls of one root edit, under strace. What the safe walk promises is only visible there: a
/// path-based `open` after the walk would follow a link swapped in between, in a window too short for a
/// test to hit reliably, so the test looks at the calls rather than at a race.
@Suite("Issue 16: an edit works on descriptors: *at calls on the directory, O_NOFOLLOW, an OFD write lock")
struct DescriptorTests {
    /// The traced calls of htpass `arguments`, one a line, as `strace -f -y` prints them (descriptors
    /// decorated with their paths).
    static func trace(_ arguments: [String], stdin: String) throws -> (run: TestSupport.Output, calls: [String]) {
        let log = try TestSupport.temporaryDirectory("htpass-security-strace") + "/log"
        defer {
            try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: log).deletingLastPathComponent().path)
        }
        let calls = "open,openat,openat2,rename,renameat,renameat2,link,linkat,unlink,unlinkat,fcntl,flock"
        let output = try TestSupport.spawn(
            try TestSupport.locate("strace"),
            (["-f", "-y", "-qq", "-o", log, "-e", "trace=" + calls, try Htpass.path()] + arguments).map {
                Array($0.utf8)
            },
            stdin: Array(stdin.utf8), environment: ["HTPASS_WRITE_MODE": nil])
        let text = String(decoding: try TestSupport.readBytes(log), as: UTF8.self)
        return (output, text.split(separator: "\n").map(String.init))
    }

    /// The quoted path arguments of a traced call.
    static func quoted(_ call: String) -> [String] {
        call.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }
            .map { String($0.element) }
    }

    /// The system call's name: the word before the first `(`, after strace's pid.
    static func callName(_ call: String) -> String {
        let head = call.prefix { $0 != "(" }
        return String(head.split(separator: " ").last ?? "")
    }

    /// Whether the call's first argument is a directory descriptor rather than AT_FDCWD.
    static func relativeToDescriptor(_ call: String, _ name: String) -> Bool {
        guard let open = call.firstIndex(of: "(") else { return false }
        let first = call[call.index(after: open)...].prefix { $0 != "," }
        return !first.hasPrefix("AT_FDCWD") && first.first?.isNumber == true && call.contains("\"\(name)\"")
    }

    @Test(
        "An edit, by rename or in place: the file opened O_NOFOLLOW relative to its directory, locked with F_OFD_SETLK(W) F_WRLCK, a random temporary name made O_EXCL|O_NOFOLLOW and put in place with *at calls on that directory",
        arguments: ["rename", "in-place"])
    func descriptors(writeMode: String) throws {
        let scene = try Scene("strace")
        defer { scene.remove() }
        try scene.directory("etc", mode: 0o755)
        let file = try scene.file("etc/htpasswd", mode: 0o640)

        let (run, calls) = try Self.trace(
            Edit.add.arguments(file, extra: ["--write-mode", writeMode]), stdin: Edit.add.standardInput)
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(userNames(try TestSupport.readBytes(file)) == ["alice", "bob", "carol"])
        let mine = calls.filter { line in
            Self.quoted(line).contains { $0.hasSuffix("htpasswd") || $0.contains(".htpasswd.") }
        }
        let shown = mine.joined(separator: "\n")

        // Every open of the file, or of a temporary file or journal beside it, refuses to follow a link.
        for call in mine where call.contains("open") && !call.contains("O_DIRECTORY") {
            #expect(call.contains("O_NOFOLLOW"), "an open that follows links: \(call)")
        }
        // The file itself opened by name relative to its directory's descriptor, without following a link.
        let opens = mine.filter { $0.contains("open") && Self.relativeToDescriptor($0, "htpasswd") }
        #expect(opens.contains { $0.contains("O_NOFOLLOW") }, "no openat(DIR, \"htpasswd\", O_NOFOLLOW): \n\(shown)")
        // No path-based open of the file at all.
        #expect(
            !mine.contains { $0.contains("open") && Self.quoted($0).contains(file) && !$0.contains("O_PATH") },
            "the file opened by its whole path: \n\(shown)")
        // The lock: an OFD write lock on the file, through a descriptor open for writing (so that only a
        // process that may write the file can hold the lock that edits wait for).
        let locks = calls.enumerated().filter {
            $0.element.contains("fcntl(") && $0.element.contains("F_OFD_SETLK") && $0.element.contains("F_WRLCK")
                && $0.element.contains("/etc/htpasswd>")
        }
        #expect(
            !locks.isEmpty,
            "no F_OFD_SETLK(W) F_WRLCK on the file: \n\(calls.filter { $0.contains("fcntl") || $0.contains("flock") }.joined(separator: "\n"))"
        )
        for (index, lock) in locks {
            let descriptor = lock.split(separator: "fcntl(", maxSplits: 1).last?.prefix { $0.isNumber } ?? ""
            let opened = calls[..<index].last { $0.contains("open") && $0.contains("= \(descriptor)<") }
            #expect(
                opened.map { $0.contains("O_RDWR") || $0.contains("O_WRONLY") } == true,
                "the locked descriptor \(descriptor) is not open for writing: \(opened ?? "no open found")")
        }

        // The temporary file: .htpasswd.htpass-tmp.<random>, exclusive, not following a link, in the directory.
        let temporary = mine.filter {
            $0.contains("open") && Self.quoted($0).contains { $0.hasPrefix(".htpasswd.htpass-tmp.") && $0.count > 21 }
        }
        #expect(
            temporary.contains {
                Self.relativeToDescriptor($0, Self.quoted($0)[0]) && $0.contains("O_CREAT") && $0.contains("O_EXCL")
                    && $0.contains("O_NOFOLLOW")
            }, "no openat(DIR, \".htpasswd.htpass-tmp.RANDOM\", O_CREAT|O_EXCL|O_NOFOLLOW): \n\(shown)")
        // Put in place with *at calls on the directory's descriptor: renamed over the file, or (in place) made
        // the journal, by renameat or by linkat (a commit that cannot replace an existing name).
        let destination = writeMode == "rename" ? "htpasswd" : ".htpasswd.htpass-journal"
        let moves: Set<String> =
            writeMode == "rename" ? ["renameat", "renameat2"] : ["renameat", "renameat2", "linkat"]
        #expect(
            mine.contains {
                moves.contains(Self.callName($0)) && Self.relativeToDescriptor($0, destination)
                    && Self.quoted($0).first?.hasPrefix(".htpasswd.htpass-tmp.") == true
                    && Self.quoted($0).last == destination
            }, "no \(moves.sorted())(DIR, \".htpasswd.htpass-tmp.RANDOM\", DIR, \"\(destination)\"): \n\(shown)")
        // No call that resolves a whole path again: only *at calls on the directory.
        let pathCalls: Set<String> = ["open", "rename", "link", "unlink", "symlink"]
        #expect(!mine.contains { pathCalls.contains(Self.callName($0)) }, "a path-based call: \n\(shown)")
        // Nothing left: the directory holds the file alone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scene.path("etc")) == ["htpasswd"])
    }
}

import Foundation
import Glibc
import HtpasswdCore
import PropertyBased
import SystemPackage
import TestSupport
import Testing

/// The streaming store against the in-memory model: `HtpasswdStore.apply` (which edits the file while
/// reading it, in constant memory, by rename or in place) gives the same bytes and the same outcome as
/// `HtpasswdFile.apply` for random files and random changes.
@Suite("Streaming edits against the in-memory model")
struct StreamingEditTests {
    /// Names the changes pick from: users of the sample lines (some listed twice), names no sample has,
    /// and names only another tool could have written (removable, never settable).
    static let names: [[UInt8]] =
        [
            "alice", "bob", "carol", "dave", "café", "newcomer", "zed", " bob", "b\u{FF}", "",
        ].map { Array($0.utf8) } + [[0x62, 0xFF, 0xFE]]

    /// A random set of changes: who is set (with which hash), removed, kept; and the flags.
    static let changeSpecs = zip(
        Gen.int(in: 0..<names.count).array(of: 0...3), sampleHashes.array(of: 3),
        Gen.int(in: 0..<names.count).array(of: 0...3), Gen.int(in: 0..<names.count).array(of: 0...2),
        Gen.int(in: 0...15))

    static func makeChanges(
        _ spec: ([Int], [PasswordHash], [Int], [Int], Int)
    ) -> HtpasswdChanges {
        let (setting, hashes, removing, keeping, flags) = spec
        var changes = HtpasswdChanges()
        for (position, index) in setting.enumerated() {
            if let user = try? UserName(names[index]) { changes.set(hashes[position % hashes.count], for: user) }
        }
        for index in removing { changes.remove(names[index]) }
        for index in keeping { changes.keep(names[index]) }
        changes.removesUnlisted = flags & 1 != 0
        changes.requiresRemovedUsers = flags & 2 != 0
        changes.startsEmpty = flags & 4 == 4 && flags & 8 == 8
        return changes
    }

    @Test("Same bytes and outcome as HtpasswdFile.apply, by rename and in place", arguments: ["rename", "in-place"])
    func sameAsModel(mode: String) async throws {
        let directory = try TestSupport.temporaryDirectory("htpass-stream")
        let path = directory + "/htpasswd"
        let writeMode = try #require(HtpasswdStore.WriteMode(rawValue: mode))
        await propertyCheck(count: 400, input: sampleFiles, Self.changeSpecs) { original, spec in
            let changes = Self.makeChanges(spec)
            try TestSupport.writeBytes(original, to: path)
            let inode = try inodeNumber(path)
            var model = HtpasswdFile(bytes: original)
            let expected: Result<EditOutcome, HtpasswdError>
            do throws(HtpasswdError) { expected = .success(try model.apply(changes)) } catch {
                expected = .failure(error)
            }

            let store = HtpasswdStore(path: path, writeMode: writeMode)
            let actual: Result<HtpasswdStore.EditReport, HtpasswdError>
            do throws(HtpasswdError) { actual = .success(try store.apply(changes)) } catch { actual = .failure(error) }

            let bytes = try TestSupport.readBytes(path)
            switch (expected, actual) {
            case (.failure(let modelError), .failure(let storeError)):
                #expect(modelError == storeError)
                #expect(bytes == original)
            case (.success(var outcome), .success(let report)):
                #expect(bytes == model.bytes, "\(String(decoding: original, as: UTF8.self).debugDescription)")
                // The store reports where its output began to differ: at or before the first different byte.
                let first = report.outcome.firstChange
                #expect(first <= outcome.firstChange || !outcome.changedFile)
                outcome.firstChange = report.outcome.firstChange
                #expect(report.outcome == outcome)
                #expect(report.write.method == (outcome.changedFile ? (mode == "rename" ? .rename : .inPlace) : .none))
                if mode == "in-place" || !outcome.changedFile { #expect(try inodeNumber(path) == inode) }
            default:
                Issue.record("model \(expected), store \(actual)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["htpasswd"])
        }
    }

    @Test("A large file with many changes streams to the same bytes as the model")
    func largeFile() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-stream")
        let path = directory + "/htpasswd"
        // 300,000 lines: several read buffers, a line longer than one buffer, CRLF in the middle.
        var original: [UInt8] = []
        for index in 0..<300_000 {
            original += Array("user\(index):$apr1$salt\(index % 97)$0123456789abcdefghijkl".utf8)
            original += index % 1000 == 7 ? [0x0D, 0x0A] : [0x0A]
            if index == 150_000 { original += Array(("#" + String(repeating: "x", count: 600_000) + "\n").utf8) }
        }
        try TestSupport.writeBytes(original, to: path)
        var changes = HtpasswdChanges()
        for index in stride(from: 5, to: 300_000, by: 29_999) {
            changes.set(try PasswordHash("$apr1$new\(index)$abc"), for: try UserName("user\(index)"))
        }
        changes.set(try PasswordHash("$apr1$x$y"), for: try UserName("appended"))
        for index in stride(from: 11, to: 300_000, by: 40_001) { changes.remove("user\(index)") }
        var model = HtpasswdFile(bytes: original)
        let expected = try model.apply(changes)
        for mode in [HtpasswdStore.WriteMode.rename, .inPlace] {
            try TestSupport.writeBytes(original, to: path)
            let report = try HtpasswdStore(path: path, writeMode: mode).apply(changes)
            #expect(try TestSupport.readBytes(path) == model.bytes, "\(mode)")
            #expect(report.outcome.added == expected.added && report.outcome.changed == expected.changed)
            #expect(report.outcome.removed == expected.removed)
        }
    }
}

/// The inode number of the file at `path`.
func inodeNumber(_ path: String) throws -> UInt64 {
    var info = stat()
    guard stat(path, &info) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    return UInt64(info.st_ino)
}

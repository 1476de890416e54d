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

    /// A random set of changes: who is set (with which hash), removed, kept; the flags; and conditions:
    /// on whom, and of which kind (absent; the hash the file has; another hash).
    static let changeSpecs = zip(
        Gen.int(in: 0..<names.count).array(of: 0...3), sampleHashes.array(of: 3),
        Gen.int(in: 0..<names.count).array(of: 0...3), Gen.int(in: 0..<names.count).array(of: 0...2),
        Gen.int(in: 0...15), Gen.int(in: 0..<names.count).array(of: 0...3), Gen.int(in: 0...2).array(of: 3))

    static func makeChanges(
        _ spec: ([Int], [[UInt8]], [Int], [Int], Int, [Int], [Int]), file original: [UInt8]
    ) throws -> HtpasswdChanges {
        let (setting, hashBytes, removing, keeping, flags, expecting, kinds) = spec
        let hashes = try hashBytes.map { try PasswordHash($0) }
        var changes = HtpasswdChanges()
        // Conditions, some on the same user, on hashes as they are in the file (empty, with a CR...).
        let model = HtpasswdFile(bytes: original)
        for (position, index) in expecting.enumerated() {
            let name = names[index]
            switch kinds[position % kinds.count] {
            case 0: changes.expect(rawHash: nil, for: name)
            case 1: changes.expect(rawHash: model.entry(for: name).map { Array($0.hash) }, for: name)
            default: changes.expect(rawHash: hashes[position % hashes.count].bytes, for: name)
            }
        }
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
            let changes = try Self.makeChanges(spec, file: original)
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

    @Test("Conditions: several on one user all hold or the edit fails, naming the first that does not; raw hashes")
    func conditions() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-conditions")
        let path = directory + "/htpasswd"
        // An empty hash, a hash with a CR in it, and a user listed twice (the first line counts).
        let original = Array("alice:\nbob:x\ry\ncarol:{SHA}a\ncarol:{SHA}b\n".utf8)
        let store = HtpasswdStore(path: path)
        func outcome(_ changes: HtpasswdChanges) throws -> (stream: HtpasswdError?, model: HtpasswdError?) {
            try TestSupport.writeBytes(original, to: path)
            var model = HtpasswdFile(bytes: original)
            var errors: (HtpasswdError?, HtpasswdError?) = (nil, nil)
            do throws(HtpasswdError) { try store.apply(changes) } catch { errors.0 = error }
            do throws(HtpasswdError) { try model.apply(changes) } catch { errors.1 = error }
            if errors.0 != nil { #expect(try TestSupport.readBytes(path) == original) }
            return errors
        }
        var changes = HtpasswdChanges()
        changes.set(try PasswordHash("{SHA}new"), for: try UserName("dave"))
        changes.expect(rawHash: [], for: "alice")
        changes.expect(rawHash: Array("x\ry".utf8), for: "bob")
        changes.expect(rawHash: Array("{SHA}a".utf8), for: "carol")
        changes.expect(rawHash: Array("{SHA}a".utf8), for: "carol")
        changes.expect(nil, for: "dave")
        changes.expect(nil, for: "dave")
        var result = try outcome(changes)
        #expect(result.stream == nil && result.model == nil, "\(result)")
        #expect(try TestSupport.readBytes(path) == original + Array("dave:{SHA}new\n".utf8))

        // The second condition on carol fails, and so does a later one on alice: the error names carol.
        var failing = changes
        failing.expect(rawHash: Array("{SHA}b".utf8), for: "carol")
        failing.expect(rawHash: Array("other".utf8), for: "alice")
        result = try outcome(failing)
        #expect(result.stream == .changedSinceRead(user: Array("carol".utf8)), "\(result)")
        #expect(result.stream == result.model)
        // A condition on a user absent from the file, before one that fails on a later line.
        var absent = HtpasswdChanges()
        absent.expect(rawHash: Array("x".utf8), for: "zed")
        absent.expect(rawHash: [], for: "carol")
        result = try outcome(absent)
        #expect(result.stream == .changedSinceRead(user: Array("zed".utf8)), "\(result)")
        #expect(result.stream == result.model)
        // startsEmpty: the conditions are on the file as it was.
        var replacing = HtpasswdChanges()
        replacing.startsEmpty = true
        replacing.expect(rawHash: [], for: "alice")
        result = try outcome(replacing)
        #expect(result.stream == nil && result.model == nil, "\(result)")
        #expect(try TestSupport.readBytes(path).isEmpty)
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

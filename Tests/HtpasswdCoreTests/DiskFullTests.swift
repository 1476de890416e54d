import Foundation
import Glibc
import HtpasswdCore
import SystemPackage
import TestSupport
import Testing

private func h(_ text: String) throws -> PasswordHash { try PasswordHash(text) }

/// A full disk: the edit fails with ENOSPC and the file stays as it was.
@Suite("Full disk", .serialized)
struct DiskFullTests {
    /// Fills the filesystem holding `directory` with a file `filler`, until `write` fails with ENOSPC.
    private func fill(_ directory: String) throws {
        let fd = open(directory + "/filler", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        let block = [UInt8](repeating: 0x2E, count: 512)
        while true {
            let written = block.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            if written < 0 {
                #expect(errno == ENOSPC)
                return
            }
        }
    }

    @Test("An edit on a full tmpfs fails with ENOSPC, leaves the file byte-identical and no temporary file")
    func diskFull() throws {
        try StoreSupport.withTmpfs(size: "64k") { directory in
            let path = directory + "/htpasswd"
            let original = StoreSupport.generatedFile(users: 300)  // 15 KB
            try TestSupport.writeBytes(original, to: path)
            try fill(directory)
            let store = HtpasswdStore(path: path)
            let newcomer = try UserName(Array("newcomer".utf8))
            let hash = try PasswordHash(StoreSupport.apr1Hash)

            // In process: a typed error naming the failed step and ENOSPC.
            do throws(HtpasswdError) {
                try store.edit { file in file.setHash(hash, for: newcomer) }
                Issue.record("the edit succeeded on a full disk")
            } catch {
                #expect(
                    error
                        == .fileSystem(.systemCallFailed(.write, path: FilePath(path), errno: Errno(rawValue: ENOSPC))))
                #expect(error.description.contains("No space left on device"))
            }
            #expect(try TestSupport.readBytes(path) == original)
            #expect(try StoreSupport.listing(directory) == ["filler", "htpasswd"])

            // A delete needs a whole new copy too, so it fails the same way.
            #expect(
                throws: HtpasswdError.fileSystem(
                    .systemCallFailed(.write, path: FilePath(path), errno: Errno(rawValue: ENOSPC)))
            ) {
                try store.edit { file in file.removeEntries(for: Array("user1".utf8)) }
            }
            #expect(try TestSupport.readBytes(path) == original)

            // In a real process.
            let result = try StoreSupport.run(["add", path, "newcomer", StoreSupport.apr1Hash])
            #expect(result.status == 1)
            #expect(result.stderrText.hasPrefix("error: io \(ENOSPC) write"), "\(result.stderrText)")
            #expect(try TestSupport.readBytes(path) == original)
            #expect(try StoreSupport.listing(directory) == ["filler", "htpasswd"])

            // Once there is room, the same edit works.
            #expect(unlink(directory + "/filler") == 0)
            try store.edit { file in file.setHash(hash, for: newcomer) }
            #expect(try TestSupport.readBytes(path) == original + Array("newcomer:\(StoreSupport.apr1Hash)\n".utf8))
            #expect(try StoreSupport.listing(directory) == ["htpasswd"])
        }
    }
}

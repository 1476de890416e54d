import Foundation
import Glibc
import HtpasswdCore
import TestSupport
import Testing

/// `readersFinishInterruptedEdits = false` (htpass serve): a reader that may write the file still never
/// writes it; it reads an interrupted edit's new content from the journal, as a reader without write access.
@Suite("A read-only reader")
struct ReadOnlyReaderTests {
    @Test("With readersFinishInterruptedEdits false, a committed edit's journal is read, not rolled forward")
    func readsTheJournalWithoutWriting() throws {
        let namespace = try JournalSafetyTests.ownNamespace()
        let (directory, file) = try JournalSafetyTests.setUp("htpass-read-only-reader")
        let journal = directory + "/.htpasswd.htpass-journal"
        let (device, inode) = try JournalSafetyTests.identity(directory)
        let token = "0123456789abcdef"
        let new = Array("alice:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\n".utf8)
        try TestSupport.writeBytes(
            try JournalSafetyTests.journal(for: file, token: token, content: new), to: journal)
        let mark = "v2 committed \(namespace) \(device) \(inode) \(token) \(journal)"
        try JournalSafetyTests.setMark(mark, on: file)

        var reader = HtpasswdStore(path: file)
        reader.readersFinishInterruptedEdits = false
        #expect(try reader.read().bytes == new)
        var lines = 0
        try reader.scan { _ in lines += 1 }
        #expect(lines == 1)
        // Nothing was written: the file, its mark and the journal are as they were.
        #expect(try TestSupport.readBytes(file) == JournalSafetyTests.content)
        #expect(try TestSupport.extendedAttribute(JournalSafetyTests.markName, of: file) == mark)
        #expect(FileManager.default.fileExists(atPath: journal))

        // The default reader, which may write the file, finishes the edit.
        #expect(try HtpasswdStore(path: file).read().bytes == new)
        #expect(try TestSupport.readBytes(file) == new)
        #expect(try TestSupport.extendedAttribute(JournalSafetyTests.markName, of: file) == nil)
        #expect(!FileManager.default.fileExists(atPath: journal))
    }
}

import HtpasswdCore
import PropertyBased
import SystemPackage
import TestSupport
import Testing

private func h(_ text: String) throws -> PasswordHash { try PasswordHash(text) }

/// `bytes` with a newline after its last line, if it has none: what every edit leaves.
func withFinalNewline(_ bytes: [UInt8]) -> [UInt8] {
    guard let last = bytes.last, last != 0x0A else { return bytes }
    // The ending of the last line that has one, as edits choose it.
    var ending: [UInt8] = [0x0A]
    if let newline = bytes.lastIndex(of: 0x0A), newline > 0, bytes[newline - 1] == 0x0D { ending = [0x0D, 0x0A] }
    return bytes + ending
}

/// Bytes of an ASCII or UTF-8 string.
private func b(_ text: String) -> [UInt8] { Array(text.utf8) }

private func fixture(_ name: String) throws -> [UInt8] {
    try TestSupport.readBytes(TestSupport.fixtures + "/files/" + name)
}

/// A generator of the bytes in `choices`, one at a time.
private func byte(from choices: [UInt8]) -> Generator<UInt8, Shrink.Integer<Int>> {
    Gen.int(in: 0..<choices.count).map { choices[$0] }
}

/// Bytes that matter to the parser, weighted in by repetition, plus a few ordinary and high bytes.
private let interestingBytes: [UInt8] = b("\n\n\n\r\r:::##  \tab$") + [0x00, 0x7F, 0xC3, 0xA9, 0xFF]

/// Whole lines of the kinds found in the wild, each without its terminator.
private let sampleLines: [[UInt8]] = [
    b("alice:$apr1$EOrnSab6$J4bLZsCeMRzHrj6BcIFIC1"),
    b("bob:$2y$05$6MHqffdy1I9EVl4KEuw2gutEPWVrq4o9VH2q72yo6ZFDts4/nz3Ui:Bob Builder"),
    b("carol:{SHA}stOsjhQ+/Zr2RzmhAD8uggClG7Y="),
    b("# a comment"), b("#alice:looks:like:an:entry"), b(""), b("   "), b("\t"),
    b("no colon here"), b(":nouser"), b(" bob:{PLAIN}spacebob"), b("alice:{PLAIN}second"),
    b("café:{PLAIN}x"), [0x62, 0xFF, 0xFE, 0x3A, 0x78], b("dave:hash\r"),
    b("#") + Array(repeating: UInt8(ascii: "x"), count: 299),
]

/// A file made of sample lines, each ending in LF, CRLF or (the last one only) nothing.
let sampleFiles = zip(
    Gen.int(in: 0..<sampleLines.count).array(of: 0...12),
    Gen.int(in: 0...2).array(of: 12),
    Gen.bool
)
.map { (input: ([Int], [Int], Bool)) -> [UInt8] in
    let (indices, endings, finalNewline) = input
    var bytes: [UInt8] = []
    for (position, index) in indices.enumerated() {
        bytes += sampleLines[index]
        if position == indices.count - 1 && !finalNewline { break }
        bytes += endings[position] == 0 ? b("\r\n") : b("\n")
    }
    return bytes
}

/// User names that pass ``UserName``'s rules, some of them near names in the sample lines.
let newUserNames = byte(from: b("abz019_-.@é ~"))
    .array(of: 1...12)
    .map { (bytes: [UInt8]) -> [UInt8] in
        var bytes = bytes
        if bytes.first == UInt8(ascii: " ") { bytes[0] = UInt8(ascii: "a") }
        if bytes.last == UInt8(ascii: " ") { bytes[bytes.count - 1] = UInt8(ascii: "z") }
        return bytes
    }

/// The bytes of hashes as `PasswordHasher` makes them: printable, no `:`. (Bytes, made into a `PasswordHash`
/// in each test: a hash refused by mistake fails that test rather than trapping the test process.)
let sampleHashes = byte(from: b("$./0123456789ABCabcxyz{}=+")).array(of: 1...40)

@Suite("HtpasswdFile")
struct HtpasswdFileTests {
    // MARK: Lossless round trips

    @Test("Parsing then serialising gives back arbitrary bytes")
    func roundTripArbitraryBytes() async {
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 0...300)) { bytes in
            #expect(HtpasswdFile(bytes: bytes).bytes == bytes)
        }
        await propertyCheck(count: 500, input: byte(from: interestingBytes).array(of: 0...300)) { bytes in
            #expect(HtpasswdFile(bytes: bytes).bytes == bytes)
        }
    }

    @Test(
        "Parsing then serialising gives back every fixture",
        arguments: [
            "apache.htpasswd", "odd-lines.htpasswd", "crlf.htpasswd", "no-final-newline.htpasswd", "empty.htpasswd",
            "comments-only.htpasswd",
        ])
    func roundTripFixtures(name: String) throws {
        let bytes = try fixture(name)
        #expect(HtpasswdFile(bytes: bytes).bytes == bytes)
    }

    @Test("Adding a new user then removing it gives back the same bytes, with a final newline")
    func addThenRemoveIsIdentity() async throws {
        await propertyCheck(count: 500, input: sampleFiles, newUserNames, sampleHashes) { original, name, hash in
            let hash = try PasswordHash(hash)
            let user = try UserName(name)
            var file = HtpasswdFile(bytes: original)
            guard file.entry(for: name) == nil else { return }
            let outcome = file.setHash(hash, for: user)
            #expect(outcome.added)
            #expect(file.entry(for: name)?.hash.elementsEqual(hash.bytes) == true)
            #expect(file.removeEntries(for: name) == 1)
            #expect(file.bytes == withFinalNewline(original))
        }
        // And over every fixture, with a user in none of them.
        for name in ["apache.htpasswd", "odd-lines.htpasswd", "crlf.htpasswd", "no-final-newline.htpasswd"] {
            let original = try fixture(name)
            var file = HtpasswdFile(bytes: original)
            file.setHash(try h("$apr1$x$y"), for: try UserName(b("newcomer")))
            #expect(file.bytes != original)
            file.removeEntries(for: b("newcomer"))
            #expect(file.bytes == withFinalNewline(original), "\(name)")
        }
    }

    @Test("An edit changes no line it does not concern")
    func editsAreLocal() async {
        await propertyCheck(count: 300, input: sampleFiles, newUserNames, sampleHashes) { original, name, hash in
            let hash = try PasswordHash(hash)
            let before = HtpasswdFile(bytes: original)
            var file = before
            file.setHash(hash, for: try UserName(name))
            let lines = splitLines(file.bytes)
            let oldLines = splitLines(original)
            let changed = before.entries.filter { $0.user.elementsEqual(name) }.map(\.lineNumber)
            // Every old line that is not the user's is still there, in order.
            let untouched = oldLines.enumerated().filter { !changed.contains($0.offset + 1) }.map(\.element)
            let remaining = lines.filter { !startsWithUser($0, name) }
            // Byte for byte but for the last old line, which may gain or lose its newline.
            #expect(remaining.map(stripEnding) == untouched.map(stripEnding))
            #expect(remaining.dropLast().elementsEqual(untouched.dropLast()))
        }
    }

    @Test("After setHash the user has one line, with the new hash, and every other user reads as before")
    func setHashProperty() async {
        let existingNames = [b("alice"), b("bob"), b("carol"), b("dave"), b("café")]
        let users = Gen.int(in: 0..<existingNames.count).map { existingNames[$0] }
        await propertyCheck(count: 300, input: sampleFiles, users, sampleHashes) { original, name, hash in
            let hash = try PasswordHash(hash)
            let before = HtpasswdFile(bytes: original)
            var file = before
            let outcome = file.setHash(hash, for: try UserName(name))
            let old = before.entries.filter { $0.user.elementsEqual(name) }
            #expect(outcome.added == old.isEmpty)
            #expect(outcome.removedDuplicateLines == old.dropFirst().map(\.lineNumber))
            let reparsed = HtpasswdFile(bytes: file.bytes)
            let now = reparsed.entries.filter { $0.user.elementsEqual(name) }
            #expect(now.count == 1)
            #expect(now.first.map { Array($0.hash) } == hash.bytes)
            #expect(now.first.map { Array($0.extra) } == (old.first.map { Array($0.extra) } ?? []))
            // Hashes as the servers read them: nginx ends a hash at CR, Apache trims it. (A file ending in a bare
            // CR gets a LF after it when a line is added, which makes that CR part of a CRLF.)
            let others = { (file: HtpasswdFile) in
                file.entries.filter { !$0.user.elementsEqual(name) }.map {
                    [Array($0.user), Array($0.hash.prefix { $0 != 0x0D })]
                }
            }
            #expect(others(reparsed) == others(before))
            #expect(reparsed.malformedLines.count == before.malformedLines.count)
        }
    }

    // MARK: Reading

    @Test("The odd-lines fixture reads as nginx reads it")
    func readsOddLines() throws {
        let file = HtpasswdFile(bytes: try fixture("odd-lines.htpasswd"))
        #expect(file.lineCount == 18)
        let entries = file.entries
        #expect(entries.map(\.lineNumber) == [3, 4, 7, 11, 12, 13, 14, 17, 18])
        #expect(
            entries.map { Array($0.user) } == [
                b("alice"), b("bob"), b("carol"), b(" bob"), b("alice"), b("café"),
                [0x62, 0x61, 0x64, 0xFF, 0xFE] + b("user"),
                b("dave"), b("last"),
            ])
        #expect(Array(entries[1].hash) == b("$2y$05$6MHqffdy1I9EVl4KEuw2gutEPWVrq4o9VH2q72yo6ZFDts4/nz3Ui"))
        #expect(Array(entries[1].extra) == b(":Bob Builder, room 12"))
        #expect(Array(entries[2].hash) == b("{SHA}stOsjhQ+/Zr2RzmhAD8uggClG7Y="), "CR is not part of the hash")
        #expect(Array(file.entry(for: b("last"))!.hash) == b("{PLAIN}no-final-newline"))
        #expect(file.malformedLines.map(\.lineNumber) == [6, 8, 9])
        #expect(file.malformedLines.map(\.reason) == [.noColon, .noColon, .emptyUser])
        #expect(file.malformedLines.map(\.description).first == "line 6: no ':' between user and hash")
    }

    @Test("The first line of a user wins")
    func firstLineWins() throws {
        let file = HtpasswdFile(bytes: try fixture("odd-lines.htpasswd"))
        let alice = try #require(file.entry(for: b("alice")))
        #expect(alice.lineNumber == 3)
        #expect(Array(alice.hash) == b("$apr1$EOrnSab6$J4bLZsCeMRzHrj6BcIFIC1"))
        #expect(file.entries.filter { $0.user.elementsEqual(b("alice")) }.count == 2)
    }

    @Test("# starts a comment only in column 0")
    func commentsOnlyInColumnZero() {
        let file = HtpasswdFile(bytes: b("#alice:x\n #bob:y\n\t#carol\n"))
        #expect(file.entry(for: b("#alice")) == nil)
        #expect(file.entries.map { Array($0.user) } == [b(" #bob")])
        #expect(file.malformedLines.map(\.lineNumber) == [3])
        #expect(file.malformedLines.map(\.reason) == [.noColon])
    }

    @Test("' bob' and 'bob' are different users")
    func spacesAreNotTrimmed() throws {
        let file = HtpasswdFile(bytes: b(" bob:space\nbob:plain\nbob :trailing\n"))
        #expect(Array(try #require(file.entry(for: b("bob"))).hash) == b("plain"))
        #expect(Array(try #require(file.entry(for: b(" bob"))).hash) == b("space"))
        #expect(Array(try #require(file.entry(for: b("bob "))).hash) == b("trailing"))
        var edited = file
        #expect(edited.removeEntries(for: b("bob")) == 1)
        #expect(edited.bytes == b(" bob:space\nbob :trailing\n"))
    }

    @Test("The hash ends at the next ':'; blank and whitespace lines are not malformed")
    func hashEndsAtColon() throws {
        let file = HtpasswdFile(bytes: b("u:h:x:y\n\n \t \r\n\r\n"))
        let entry = try #require(file.entry(for: b("u")))
        #expect(Array(entry.hash) == b("h"))
        #expect(Array(entry.extra) == b(":x:y"))
        #expect(file.malformedLines.isEmpty)
        #expect(file.lineCount == 4)
    }

    @Test("Invalid UTF-8 user names are read and edited as bytes")
    func invalidUTF8() throws {
        let file = HtpasswdFile(bytes: try fixture("odd-lines.htpasswd"))
        let name: [UInt8] = [0x62, 0x61, 0x64, 0xFF, 0xFE] + b("user")
        #expect(file.entry(for: name)?.lineNumber == 14)
        var edited = file
        #expect(edited.removeEntries(for: name) == 1)
        #expect(edited.entry(for: name) == nil)
        #expect(edited.lineCount == 17)
    }

    // MARK: Editing

    @Test("setHash replaces the first line, keeps its extra field and CRLF, and drops later duplicates")
    func setHashReplacesFirstLine() throws {
        let original = b("# c\r\nbob:old:Bob B\r\nalice:a\nbob:dup1\nbob:dup2:x\r\ncarol:c")
        var file = HtpasswdFile(bytes: original)
        let outcome = file.setHash(try h("new"), for: try UserName(b("bob")))
        #expect(!outcome.added)
        #expect(outcome.removedDuplicateLines == [4, 5])
        #expect(outcome.recordLength == 13)
        #expect(file.bytes == b("# c\r\nbob:new:Bob B\r\nalice:a\ncarol:c\n"))
        #expect(file.entry(for: b("bob"))?.lineNumber == 2)
    }

    @Test("A duplicate on the last line, without newline, is removed; the new last line keeps its newline")
    func duplicateOnLastLine() throws {
        var file = HtpasswdFile(bytes: b("bob:1\nalice:a\nbob:2"))
        let outcome = file.setHash(try h("3"), for: try UserName(b("bob")))
        #expect(outcome.removedDuplicateLines == [3])
        #expect(file.bytes == b("bob:3\nalice:a\n"))
    }

    @Test("A changed last line without newline gets one; a file that does not change keeps its bytes")
    func finalNewline() throws {
        var file = HtpasswdFile(bytes: b("a:1\r\nbob:2"))
        file.setHash(try h("3"), for: try UserName(b("bob")))
        #expect(file.bytes == b("a:1\r\nbob:3\r\n"))
        var same = HtpasswdFile(bytes: b("a:1\nbob:2"))
        let outcome = same.setHash(try h("2"), for: try UserName(b("bob")))
        #expect(outcome.sameHash)
        #expect(same.bytes == b("a:1\nbob:2"))
        same.removeEntries(for: b("a"))
        #expect(same.bytes == b("bob:2\n"))
    }

    @Test(
        "New lines use the file's line ending",
        arguments: [
            ("", "u:h\n"),
            ("a:1\n", "a:1\nu:h\n"),
            ("a:1\r\n", "a:1\r\nu:h\r\n"),
            ("# c\r\na:1\r\n", "# c\r\na:1\r\nu:h\r\n"),
            ("a:1", "a:1\nu:h\n"),
            ("a:1\r\nb:2", "a:1\r\nb:2\r\nu:h\r\n"),
            ("# only a comment", "# only a comment\nu:h\n"),
        ])
    func newLineEnding(original: String, expected: String) throws {
        var file = HtpasswdFile(bytes: b(original))
        let outcome = file.setHash(try h("h"), for: try UserName(b("u")))
        #expect(outcome.added)
        #expect(outcome.removedDuplicateLines.isEmpty)
        #expect(outcome.recordLength == 3)
        #expect(file.bytes == b(expected))
    }

    @Test("Removing a missing user changes nothing")
    func removeMissing() throws {
        let original = try fixture("odd-lines.htpasswd")
        var file = HtpasswdFile(bytes: original)
        #expect(file.removeEntries(for: b("nobody")) == 0)
        #expect(file.removeEntries(for: b("this line has no colon")) == 0)
        #expect(file.removeEntries(for: b("")) == 0)
        #expect(file.bytes == original)
    }

    @Test("Removing a user removes every one of its lines")
    func removeAllLines() throws {
        var file = HtpasswdFile(bytes: try fixture("odd-lines.htpasswd"))
        #expect(file.removeEntries(for: b("alice")) == 2)
        #expect(file.entry(for: b("alice")) == nil)
        #expect(file.lineCount == 16)
        #expect(file.entry(for: b(" bob")) != nil)
    }

    @Test("The record length counts user, hash and extra field")
    func recordLength() throws {
        var file = HtpasswdFile(bytes: b("bob:x:123456789\n"))
        let hash = try PasswordHash([UInt8](repeating: UInt8(ascii: "h"), count: 300))
        #expect(file.setHash(hash, for: try UserName(b("bob"))).recordLength == 3 + 1 + 300 + 10)
    }

    // MARK: Size

    @Test("A 1,000,000-line file parses, edits and serialises correctly")
    func millionLines() throws {
        // Quadratic work anywhere would not finish; the debug build takes some seconds.
        let template = b("user0000000:$apr1$abcdefgh$0123456789abcdefghijkl\n")
        var original: [UInt8] = []
        original.reserveCapacity(template.count * 1_000_000)
        for index in 0..<1_000_000 {
            var line = template
            var value = index
            for position in stride(from: 10, through: 4, by: -1) {
                line[position] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            original += line
        }
        var file = HtpasswdFile(bytes: original)
        #expect(file.lineCount == 1_000_000)
        #expect(file.entry(for: b("user0999999"))?.lineNumber == 1_000_000)
        #expect(file.malformedLines.isEmpty)
        #expect(file.bytes == original)
        let outcome = file.setHash(try h("$apr1$new$hash"), for: try UserName(b("user0500000")))
        #expect(!outcome.added && outcome.recordLength == 26)
        #expect(file.removeEntries(for: b("user0000001")) == 1)
        file.setHash(try h("$apr1$x$y"), for: try UserName(b("newcomer")))
        let edited = file.bytes
        #expect(edited.count == original.count - template.count - 23 + 19)
        #expect(edited.starts(with: b("user0000000:$apr1$abcdefgh$0123456789abcdefghijkl\nuser0000002:")))
        #expect(edited.suffix(19) == b("newcomer:$apr1$x$y\n")[...].suffix(19))
    }
}

private func splitLines(_ bytes: [UInt8]) -> [[UInt8]] {
    var lines: [[UInt8]] = []
    var current: [UInt8] = []
    for byte in bytes {
        current.append(byte)
        if byte == 0x0A {
            lines.append(current)
            current = []
        }
    }
    if !current.isEmpty { lines.append(current) }
    return lines
}

/// The line as nginx and Apache read it: without its LF and any CRs before it. (A file that ends in a bare
/// CR gets a LF after it when a line is added; both servers read that line the same either way.)
private func stripEnding(_ line: [UInt8]) -> [UInt8] {
    var line = line
    while line.last == 0x0A || line.last == 0x0D { line.removeLast() }
    return line
}

private func startsWithUser(_ line: [UInt8], _ user: [UInt8]) -> Bool {
    line.count > user.count && line.starts(with: user) && line[user.count] == UInt8(ascii: ":")
        && line.first != UInt8(ascii: "#")
}

import HtpasswdCore
import HtpasswdVerifier
import SystemPackage
import TestSupport
import Testing

/// The filter that lets ``Authenticator`` skip the lines of other users once its stand-in hash is chosen: it
/// must never skip a line that a target reads as the user's, nor one that makes the target refuse the file or
/// stop reading.
@Suite("TargetLineFilter: the lines one user's lookup may skip")
struct TargetLineFilterTests {
    /// Names that look alike: prefixes of each other, spaces, a byte order mark, a backslash and a percent
    /// escape (kept as they are by every server), a carriage return, a colon, a comment sign, UTF-8, empty.
    static let names = [
        "alice", "al", "alice2", "", " alice", "alice ", "\u{FEFF}alice", "al\\ice", "al%69ce", "ålice", "alice\r",
        "a:b", "#alice", "\talice",
    ]

    /// Lines built around `name`, in the shapes the targets read differently.
    static func lines(around name: String) -> [String] {
        [
            "\(name):h", " \(name):h", "\t\(name):h", "\u{0B}\(name):h", "\(name) :h", "#\(name):h", "  #\(name):h",
            "\(name)", "\(name):", "\(name):h:x", "\(name):h\r", "\r\(name):h", "\u{FEFF}\(name):h", ":\(name)",
            "\(name)::h",
        ]
    }

    /// Lines of every length that matters: Apache stops at 8191 bytes, lighttpd skips over 1024, OpenShift
    /// stops and the registry refuses at 65536.
    static let longLines: [String] = [1024, 1025, 8190, 8191, 8192, 65535, 65536, 70000].flatMap { length in
        ["alice:" + String(repeating: "x", count: length - 6), "bob:" + String(repeating: "x", count: length - 4)]
    }

    @Test("Only the targets that cannot refuse a file over another user's line have a filter")
    func filteredTargets() {
        let filtered = Target.allCases.filter { $0.profile.reading.lineFilter(for: Array("alice".utf8)) != nil }
        #expect(filtered == [.nginx, .nginxAlpine, .apache, .lighttpd, .openshift])
    }

    @Test("A line the filter skips is neither the user's entry, nor a refusal, nor where reading stops")
    func skippedLinesDoNotMatter() {
        let allLines = Set(Self.names.flatMap(Self.lines(around:)) + Self.longLines).map { line in
            (line, Array(line.utf8), Array((line + "\r").utf8))
        }
        var skipped = 0
        for target in Target.allCases {
            let reading = target.profile.reading
            for name in Self.names {
                let user = Array(name.utf8)
                guard let filter = reading.lineFilter(for: user) else { continue }
                for (line, content, withCarriageReturn) in allLines {
                    // The reader tests a line with its terminator's carriage return: that must keep at least as much.
                    let keepsWithCarriageReturn = withCarriageReturn.withUnsafeBufferPointer { filter.keeps($0) }
                    for terminator in [LineTerminator.lf, .crlf, .none] {
                        let (keeps, read) = content.withUnsafeBufferPointer {
                            (filter.keeps($0), reading.read($0, terminator: terminator))
                        }
                        #expect(!keeps || keepsWithCarriageReturn, "\(target), \(line.debugDescription) + CR")
                        if keeps { continue }
                        skipped += 1
                        switch read {
                        case .ignored: break
                        case .entry(let nameRange, _):
                            #expect(
                                Array(content[nameRange]) != user,
                                "\(target) skips \(line.debugDescription), the entry of \(name.debugDescription)")
                        case .refusesFile, .stopsReading:
                            #expect(Bool(false), "\(target) skips \(line.debugDescription), which reads as \(read)")
                        }
                    }
                }
            }
        }
        #expect(skipped > 10_000, "the filter skipped \(skipped) lines")
    }

    @Test("The filter keeps the user's line however the target trims it")
    func keepsTheUsersLine() {
        for target in Target.allCases {
            let reading = target.profile.reading
            guard let filter = reading.lineFilter(for: Array("alice".utf8)) else { continue }
            let expected = reading.trimsLines ? [true, true, true, false, false] : [true, false, false, false, false]
            let lines = ["alice:h", " alice:h", "\t alice:h", "alice2:h", "al:h"]
            let kept = lines.map { line in Array(line.utf8).withUnsafeBufferPointer { filter.keeps($0) } }
            #expect(kept == expected, "\(target)")
        }
    }

    /// Files of more entries than the stand-in hash's sample (so that Authenticator's filter is in use), whose
    /// last lines are the rule lines of AuthenticatorIndexTests and the names above, shuffled (seeded).
    static func largeFiles() throws -> [String] {
        let directory = try TestSupport.temporaryDirectory("htpass-filter-made")
        var generator = IndexTestRandom(seed: 20_261_207)
        let filler = (0..<(Verifier.timingSampleSize + 6)).map { "fill\($0):{SHA}G5zynyVKZeHPqXetqic75L7ZkrM=" }
        let named = Self.names.flatMap { name in
            ["\(name):{PLAIN}first-\(name)", " \(name):{PLAIN}spaced-\(name)", "\(name):{PLAIN}last-\(name)"]
        }
        var files: [String] = []
        for number in 0..<24 {
            var lines = AuthenticatorIndexTests.ruleLines + named + Self.longLines.prefix(number % 4 == 0 ? 16 : 4)
            lines.shuffle(using: &generator)
            let terminator = number % 3 == 0 ? "\r\n" : "\n"
            var text = (filler + lines).joined(separator: terminator)
            if number % 5 != 0 { text += terminator }
            let path = directory + "/large-\(number).htpasswd"
            try TestSupport.writeBytes(Array(text.utf8), to: path)
            files.append(path)
        }
        return files
    }

    @Test("Authenticator, skipping lines past the sample, finds what the index finds reading every line")
    func authenticatorAgreesWithIndex() throws {
        var compared = 0
        for file in try Self.largeFiles() {
            let users = Self.names.map { Array($0.utf8) } + (try AuthenticatorIndexTests.userNames(in: file))
            for target in Target.allCases {
                let index = try AuthenticatorIndex(path: FilePath(file), target: target)
                let authenticator = Authenticator(path: file, target: target)
                for user in users {
                    let expected = index.candidate(for: user)
                    let actual = try authenticator.candidate(for: user)
                    #expect(
                        AuthenticatorIndexTests.same(expected, actual),
                        "\(file) as \(target), user \(String(decoding: user, as: UTF8.self).debugDescription)")
                    compared += 1
                }
            }
        }
        #expect(compared > 3000, "compared \(compared) candidates")
    }

    @Test("Lines skipped across the reader's 64 KiB reads keep their numbers: every user around the boundaries")
    func acrossReads() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-filter-reads")
        let path = directory + "/htpasswd"
        // 24 bytes a line: a read of 65,536 bytes ends inside line 2731, the next inside line 5462.
        let count = 6000
        let lines = (1...count).map { number -> String in
            let digits = String(number + 100_000).dropFirst()
            return "user\(digits):{PLAIN}p\(digits)\n"
        }
        // The last line without its newline: found at the end of the file, after the last read.
        try TestSupport.writeBytes(Array(lines.joined().utf8.dropLast()), to: path)
        let numbers = Array(2700...2760) + Array(5440...5480) + [count - 1, count]
        for target in [Target.nginx, .apache, .lighttpd, .openshift] {
            let authenticator = Authenticator(path: path, target: target)
            for number in numbers {
                let name = "user" + String(String(number + 100_000).dropFirst())
                let candidate = try authenticator.candidate(for: name)
                #expect(candidate.entry?.line == number, "\(target): \(name)")
                let hash = candidate.entry.map { String(decoding: $0.hash, as: UTF8.self) }
                #expect(hash == "{PLAIN}p" + name.dropFirst(4))
            }
            #expect(try authenticator.candidate(for: "user0").entry == nil)
        }
    }
}

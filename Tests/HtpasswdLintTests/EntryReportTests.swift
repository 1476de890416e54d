import HtpasswdCore
import HtpasswdLint
import Testing

@Suite("Entry reports")
struct EntryReportTests {
    static func reports(_ text: String) -> [EntryReport] {
        EntryReport.reports(for: HtpasswdFile(bytes: Array(text.utf8)))
    }

    static let bcrypt10 = "$2y$10$" + String(repeating: "a", count: 53)

    @Test(
        "Flags by format",
        arguments: [
            ("$2y$10$" + String(repeating: "a", count: 53), [String]()),
            ("$2y$18$" + String(repeating: "a", count: 53), ["apache-cannot-verify"]),
            ("$2y$20$" + String(repeating: "a", count: 53), ["apache-cannot-verify", "nginx-alpine-cannot-verify"]),
            ("$6$salt$hash", []),
            ("$y$j9T$salt$hash", ["nginx-alpine-cannot-verify"]),
            ("$gy$j9T$salt$hash", ["nginx-alpine-cannot-verify"]),
            ("$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/", ["weak"]),
            ("$1$salt$hash", ["weak"]),
            ("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", ["weak"]),
            ("{SSHA}abcdefgh", ["weak", "apache-cannot-verify"]),
            ("{PLAIN}secret", ["weak", "apache-cannot-verify"]),
            ("rqXexS6ZhobKA", ["weak"]),
            ("*0", ["unverifiable"]),
            ("plaintext", ["unverifiable"]),
        ])
    func flagsByFormat(hash: String, expected: [String]) {
        let reports = Self.reports("alice:\(hash)\n")
        #expect(reports.count == 1)
        #expect(reports.first?.flags.map(\.name) == expected)
        #expect(reports.first?.format == HashFormat(Array(hash.utf8)))
    }

    @Test("The default targets are the common ones but nginx on glibc, whose refusals nginx on Alpine's include")
    func defaultTargets() {
        #expect(EntryReport.defaultTargets == [.apache, .nginxAlpine])
        #expect(Set(EntryReport.defaultTargets + [.default]) == Set(Target.common))
        #expect(PasswordHasher.commonTargets == Target.common)
        let formats: [HashFormat] = [
            .bcrypt(variant: "y", cost: 10), .bcrypt(variant: "b", cost: 19), .bcrypt(variant: "y", cost: 20),
            .bcrypt(variant: "a", cost: 31), .sha512(rounds: 5000), .sha256(rounds: 999_999_999), .yescrypt,
            .gostYescrypt, .scrypt, .apr1, .md5crypt, .sha1, .saltedSHA1, .plain, .des, .bsdiDES,
        ]
        for format in formats where Target.default.profile.refusal(for: format) != nil {
            #expect(Target.nginxAlpine.profile.refusal(for: format) != nil, "\(format)")
        }
    }

    @Test("A flag's name is the one list prints, and names it back; its findings are check's ids for the fact")
    func flagNames() {
        let flags: [EntryReport.Flag] =
            [.weak, .unverifiable, .duplicate, .longRecord] + Target.allCases.map { .cannotVerify($0) }
        #expect(flags.prefix(4).map(\.name) == ["weak", "unverifiable", "duplicate", "long-record"])
        #expect(EntryReport.Flag.cannotVerify(.nginxAlpine).name == "nginx-alpine-cannot-verify")
        for flag in flags {
            #expect(EntryReport.Flag(name: flag.name) == flag)
            #expect(!flag.findings.isEmpty)
        }
        #expect(EntryReport.Flag(name: "weak-format") == nil)
        #expect(EntryReport.Flag.weak.findings == [.weakFormat])
    }

    @Test("A later line of the same user is a duplicate; the first is not")
    func duplicates() {
        let reports = Self.reports("alice:\(Self.bcrypt10)\nbob:\(Self.bcrypt10)\n# comment\nalice:*0\n")
        #expect(reports.map { Array($0.entry.user) } == [Array("alice".utf8), Array("bob".utf8), Array("alice".utf8)])
        #expect(reports.map(\.entry.lineNumber) == [1, 2, 4])
        #expect(reports.map(\.flags) == [[], [], [.unverifiable, .duplicate]])
    }

    @Test("A record over 255 bytes, extra field included, is long")
    func longRecord() {
        // user (5) + ':' + hash (60) = 66; the extra field makes up the rest.
        let exact = "alice:\(Self.bcrypt10):" + String(repeating: "x", count: 255 - 67)
        let over = exact + "x"
        let reports = Self.reports(exact + "\n" + over.replacingFirstUser("carol") + "\n")
        #expect(reports[0].flags == [])
        #expect(reports[1].flags == [.longRecord])
    }

    @Test("Malformed lines have no report")
    func malformed() {
        #expect(Self.reports("no colon here\n:empty-user\n").isEmpty)
    }
}

extension String {
    fileprivate func replacingFirstUser(_ user: String) -> String {
        user + self.drop { $0 != ":" }
    }
}

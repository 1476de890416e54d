import HtpasswdCore
import HtpasswdLint
import HtpasswdVerifier
import SystemPackage
import TestSupport
import Testing

/// Rules measured against the real servers (lighttpd 1.4.69 and nginx 1.22 on Debian 12; the same lines are in
/// Tests/Fixtures/corpus, which Tests/ConsumerTests asks the real servers every run).
@Suite("Targets: rules measured against the real servers")
struct TargetRuleTests {
    /// `{SHA}` of `pw-sha`, and its 27 base64 characters without the `=`.
    static let sha = "{SHA}G5zynyVKZeHPqXetqic75L7ZkrM="
    static let unpadded = String(sha.dropLast())

    /// What lighttpd and nginx answered to `u` with the password `pw-sha` for the hash on each line.
    static let lighttpdAnswers: [(hash: String, lighttpd: Bool, nginx: Bool)] = [
        (sha, true, true),
        (sha + "\t", true, false),
        (sha + ":comment", true, true),
        (sha + "   ", true, false),
        (sha + "garbage", true, false),
        (sha + "=", true, false),
        (unpadded, true, false),
        (unpadded + "\t", true, false),
        (unpadded + ":c", true, false),
        (unpadded + "!AAAA", true, false),
        (String(sha.prefix(15)) + " " + String(sha.dropFirst(15)), true, false),
        (String(sha.prefix(15)) + "\t" + String(sha.dropFirst(15)), true, false),
        ("{SHA} " + sha.dropFirst(5), true, false),
        // A last character with stray bits: 'M' (12) is 'N' (13) less its lowest bit.
        (String(sha.dropLast(2)) + "N=", true, false),
        (String(sha.dropLast(2)), false, false),
        (unpadded + "garbage", false, false),
        (unpadded + "AAAA", false, false),
        (String(sha.prefix(15)) + "=" + String(sha.dropFirst(15)), false, false),
        ("{sha}" + sha.dropFirst(5), false, false),
    ]

    @Test("lighttpd decodes {SHA} leniently; nginx compares it whole", arguments: 0..<lighttpdAnswers.count)
    func sha1Decoding(index: Int) throws {
        let (hash, lighttpd, nginx) = Self.lighttpdAnswers[index]
        let directory = try TestSupport.temporaryDirectory("htpass-rules")
        try TestSupport.writeBytes(Array("u:\(hash)\n".utf8), to: directory + "/htpasswd")
        for (target, real) in [(Target.lighttpd, lighttpd), (.nginx, nginx)] {
            let decision = try Authenticator(path: directory + "/htpasswd", target: target)
                .authenticate(user: "u", password: "pw-sha")
            #expect((decision == .granted) == real, "\(target) on u:\(hash): \(decision)")
            if real {
                #expect(
                    try Authenticator(path: directory + "/htpasswd", target: target)
                        .authenticate(user: "u", password: "pw-shA") == .wrongPassword)
            }
        }
    }

    @Test("lighttpd's {SHA}: what follows the hash is no error for check; for nginx a tab is")
    func checkOfSHA1Endings() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-rules")
        let path = FilePath(directory + "/htpasswd")
        try TestSupport.writeBytes(Array("tab:\(Self.sha)\t\ncomment:\(Self.sha):comment\n".utf8), to: path.string)
        var errors: [FileCheck.Finding] = []
        try FileCheck(store: HtpasswdStore(path: path), targets: [.lighttpd, .nginx], checksPath: false).run {
            if $0.severity == .error { errors.append($0) }
        }
        #expect(errors.map(\.target) == [.nginx], "\(errors.map(\.message))")
        #expect(errors.map(\.line) == [1])
    }

    @Test("nginx keeps the spaces of a {PLAIN} password: a warning, not an error")
    func plainWithSpaces() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-rules")
        let path = FilePath(directory + "/htpasswd")
        let password = "  two leading, two trailing  "
        try TestSupport.writeBytes(Array("alice:{PLAIN}\(password)\n".utf8), to: path.string)
        let authenticator = Authenticator(path: path, target: .nginx)
        #expect(try authenticator.authenticate(user: "alice", password: password) == .granted)
        #expect(
            try authenticator.authenticate(user: "alice", password: "  two leading, two trailing") == .wrongPassword)
        var findings: [FileCheck.Finding] = []
        try FileCheck(store: HtpasswdStore(path: path), targets: [.nginx, .apache], checksPath: false).run {
            if $0.target != nil { findings.append($0) }
        }
        let nginx = findings.filter { $0.target == .nginx }
        #expect(nginx.map(\.severity) == [.warning], "\(nginx.map(\.message))")
        #expect(nginx.map(\.id) == [.hashReadDifferently])
        // Apache trims the line and does not verify {PLAIN} at all.
        #expect(findings.filter { $0.target == .apache }.map(\.id) == [.formatNotVerified])
    }
}

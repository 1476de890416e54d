import Glibc
import HtpasswdCore
import HtpasswdLint
import HtpasswdVerifier
import SystemPackage
import Testing

@Suite("Public API: targets, their names and the rules that refuse a whole file")
struct TargetAPITests {
    /// `{SHA}` of "pw" (28 characters of base64).
    static let sha1 = "{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM="

    @Test(
        "Target(name:) takes each target's name and its aliases",
        arguments: [
            ("nginx", Target.nginx), ("nginx-alpine", .nginxAlpine), ("alpine", .nginxAlpine),
            ("ingress-nginx", .nginxAlpine), ("apache", .apache), ("httpd", .apache), ("apache2", .apache),
            ("lighttpd", .lighttpd), ("traefik", .traefik), ("registry", .registry), ("docker-registry", .registry),
            ("distribution", .registry), ("envoy", .envoy), ("envoy-gateway", .envoy), ("openshift", .openshift),
        ])
    func names(name: String, target: Target) {
        #expect(Target(name: name) == target)
        #expect(Target(name: Substring(name)) == target)
    }

    @Test("The strongest algorithm for a set of targets: bcrypt for none, {SHA} for Envoy, nil when none suits all")
    func strongestAlgorithm() {
        #expect(Target.strongestAlgorithm(verifiedByAll: []) == .bcrypt)
        #expect(Target.strongestAlgorithm(verifiedByAll: [.nginxAlpine, .traefik]) == .bcrypt)
        #expect(Target.strongestAlgorithm(verifiedByAll: [.envoy]) == .sha1)
        for targets in [[], [Target.envoy], [.apache, .openshift]] {
            #expect(
                Target.strongestAlgorithm(verifiedByAll: targets) == Target.algorithms(verifiedByAll: targets).first)
        }
    }

    @Test("Unknown names and an alias in another case are not targets")
    func unknownNames() {
        for name in ["", "iis", "caddy", "Nginx", "ENVOY", "nginx,apache"] { #expect(Target(name: name) == nil) }
    }

    @Test("Envoy's rule: {SHA} and exactly 28 bytes after it; the characters themselves are not checked")
    func envoyShape() {
        let rule = Target.envoy.profile.reading.requiredHash
        #expect(rule == .sha1Base64)
        #expect(rule?.refusal(for: Array(Self.sha1.utf8)) == nil)
        #expect(rule?.refusal(for: Array(("{SHA}" + String(repeating: "!", count: 28)).utf8)) == nil)
        #expect(rule?.refusal(for: Array("{SHA}abc".utf8)) == .hashNotAccepted(.sha1, length: 8, .sha1Base64))
        #expect(rule?.refusal(for: Array((Self.sha1 + "=").utf8)) == .hashNotAccepted(.sha1, length: 34, .sha1Base64))
        #expect(rule?.refusal(for: Array("*0".utf8)) == .hashNotAccepted(.failureToken, length: 2, .sha1Base64))
        #expect(rule?.refusal(for: Array("plain".utf8)) == .hashNotAccepted(.unknown, length: 5, .sha1Base64))
        for target in Target.allCases where target != .envoy { #expect(target.profile.reading.requiredHash == nil) }
    }

    /// Files Envoy refuses whole (with the line), and one it loads.
    static let envoyFiles: [(String, Int?)] = [
        ("a:\(sha1)\nb:{SHA}abc\n", 2),  // the reviewer's file: a {SHA} hash too short
        ("a:\(sha1)\nb:*0\n", 2),  // a failure token
        ("a:\(sha1)\nb:secret\n", 2),  // a password in clear
        ("a:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\n", 1),  // another format
        ("a:\(sha1)\r\n", 1),  // the CR stays part of the hash
        ("a:\(sha1):Alice\n", 1),  // the rest of the line is the hash
        ("a:\(sha1)\na:\(sha1)\n", 2),  // a user twice
        ("a:\n", 1),  // an empty hash
        ("a:\(sha1)\njunk\n", 2),  // no ':'
        ("# users\na:\(sha1)\nb:\(sha1)\n", nil),
    ]

    @Test("FileCheck and Authenticator agree on every file Envoy refuses whole, and on the line", arguments: envoyFiles)
    func envoyAgreement(file: String, refusedAt line: Int?) throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        try write(file, to: path)
        var refusals: [Int] = []
        try FileCheck(store: HtpasswdStore(path: path), targets: [.envoy], checksPath: false).run { finding in
            if finding.id == .fileRefused && finding.target == .envoy, let line = finding.line {
                #expect(finding.refusal != nil, "\(finding.message)")
                refusals.append(line)
            }
        }
        let decision = try Authenticator(path: path, target: .envoy).authenticate(user: "a", password: "pw")
        if let line {
            #expect(refusals.first == line, "FileCheck: \(refusals) for \(file.debugDescription)")
            guard case .fileRefused(line, _) = decision else {
                Issue.record("Authenticator: \(decision) for \(file.debugDescription)")
                return
            }
        } else {
            #expect(refusals.isEmpty)
            #expect(decision == .granted)
        }
    }

    @Test("The library's findings state facts; what to do is left to the program that prints them")
    func findingsAreFacts() throws {
        let scratch = try Scratch()
        #expect(chmod(scratch.directory.string, 0o777) == 0)
        let path = scratch.path("htpasswd")
        let long = String(repeating: "x", count: 9000)
        try write(
            "\u{FEFF}a:\(Self.sha1)\r\n  b:\(Self.sha1)\nc:\(Self.sha1) \n:\(Self.sha1)\nb:*0\nd:zz\n"
                + "f:$2y$18$abcdefghijklmnopqrstuuOHfYQ7LZqIyZRYz8uV0bq6ZuZ0Rg9uK\n#\(long)\njunk\n"
                + "e:\(Self.sha1)\ne:\(Self.sha1)",
            to: path, mode: 0o666)
        #expect(chmod(path.string, 0o666) == 0)
        var findings: [FileCheck.Finding] = []
        try FileCheck(store: HtpasswdStore(path: path), targets: Target.allCases).run { findings.append($0) }
        let ids = Set(findings.map(\.id))
        for id: FileCheck.FindingID in [
            .worldWritable, .writableDirectory, .byteOrderMark, .crlf, .nameReadDifferently, .hashReadDifferently,
            .emptyUser, .lineNotRead, .fileRefused, .malformedLine, .duplicateUser, .missingFinalNewline,
            .bcryptCostTooHigh, .failureToken, .unknownFormat,
        ] {
            #expect(ids.contains(id), "no \(id.rawValue) in \(findings.map(\.id.rawValue))")
        }
        let advice = [
            "'htpass ", "chmod", "chgrp", "remove", "restart", "shorten", "prefer", "save ", "run '", " use '",
            "choose",
        ]
        for finding in findings {
            for word in advice {
                #expect(!finding.message.lowercased().contains(word), "\(finding.id.rawValue): \(finding.message)")
            }
        }
    }

    @Test("Lists of servers in findings come from the profiles: Envoy is named where it refuses the file")
    func serverLists() throws {
        let scratch = try Scratch()
        let path = scratch.path("htpasswd")
        try write("a:\(Self.sha1)\njunk\na:\(Self.sha1)\n", to: path)
        var findings: [FileCheck.Finding] = []
        try FileCheck(store: HtpasswdStore(path: path), targets: [.nginx], checksPath: false).run {
            findings.append($0)
        }
        let malformed = try #require(findings.first { $0.id == .malformedLine }).message
        let refusing = Target.allCases.filter(\.profile.reading.lineWithoutColonRefusesFile)
        #expect(refusing.contains(.envoy) && refusing.count == 3)
        for target in refusing { #expect(malformed.contains(target.displayName), "\(malformed)") }
        #expect(malformed.contains("refuse the whole file"))
        let duplicate = try #require(findings.first { $0.id == .duplicateUser }).message
        #expect(duplicate.contains("Envoy refuses the whole file"), "\(duplicate)")
        #expect(duplicate.contains("OpenShift"), "\(duplicate)")
    }
}

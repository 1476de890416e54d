import Foundation
import TestSupport
import Testing

extension PackagingTests {
    @Suite("make dist: the tarball")
    struct TarballTests {
        @Test("It holds both programs, man page, completions, the systemd unit and README; its SHA256SUMS check")
        func contents() throws {
            let directory = try Artifacts.unpackedTarball()
            var expected: Set<String> = [
                "htpass", "htpass-serve", "htpass.1", "completions/htpass.bash", "completions/_htpass",
                "completions/htpass.fish", "systemd/htpass-serve.service", "README.md", "SHA256SUMS",
            ]
            if FileManager.default.fileExists(atPath: TestSupport.packageRoot + "/LICENSE") {
                expected.insert("LICENSE")
            }
            let files = try FileManager.default.subpathsOfDirectory(atPath: directory).filter {
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: directory + "/" + $0, isDirectory: &isDirectory)
                    && !isDirectory.boolValue
            }
            #expect(Set(files) == expected)

            let check = try succeed("sha256sum", ["--check", "--strict", "SHA256SUMS"], directory: directory)
            let checked = check.stdoutText.split(separator: "\n")
            #expect(checked.count == expected.count - 1, "\(check.stdoutText)")
            #expect(checked.allSatisfy { $0.hasSuffix(": OK") }, "\(check.stdoutText)")

            // The same man page and completions as the sources, byte for byte.
            for (shipped, source) in [
                ("htpass.1", "Docs/htpass.1"), ("completions/_htpass", "Docs/completions/_htpass"),
                ("completions/htpass.bash", "Docs/completions/htpass.bash"),
                ("completions/htpass.fish", "Docs/completions/htpass.fish"), ("README.md", "README.md"),
                ("systemd/htpass-serve.service", "packaging/systemd/htpass-serve.service"),
            ] {
                #expect(
                    try TestSupport.readBytes(directory + "/" + shipped)
                        == TestSupport.readBytes(TestSupport.packageRoot + "/" + source), "\(shipped)")
            }
        }

        @Test("dist/SHA256SUMS lists the tarball with its checksum")
        func checksumsNextToIt() throws {
            _ = try Artifacts.require(Artifacts.tarball)
            let check = try succeed(
                "sha256sum", ["--check", "--strict", "--ignore-missing", "SHA256SUMS"], directory: Artifacts.directory)
            #expect(check.stdoutText.contains("\(Artifacts.tarballName).tar.gz: OK"), "\(check.stdoutText)")
        }

        @Test("Its entries are sorted, owned by 0:0, and all carry one time: the last commit's")
        func reproducibleMetadata() throws {
            let listing = try succeed(
                "tar",
                [
                    "--list", "--verbose", "--numeric-owner", "--full-time", "-zf",
                    try Artifacts.require(Artifacts.tarball),
                ],
                environment: ["TZ": "UTC", "LC_ALL": "C"])
            let lines = listing.stdoutText.split(separator: "\n").map {
                $0.split(separator: " ", omittingEmptySubsequences: true)
            }
            try #require(lines.count >= 8)
            #expect(lines.allSatisfy { $0[1] == "0/0" }, "\(listing.stdoutText)")
            let times = Set(lines.map { "\($0[3]) \($0[4])" })
            #expect(times.count == 1, "\(times)")
            let names = lines.map { String($0[5]) }
            #expect(names == names.sorted(), "\(names)")
            // scripts/package.sh takes SOURCE_DATE_EPOCH if set, else the last commit's time.
            let epoch = try ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] ?? lastCommitTime()
            let expected = try succeed("date", ["-u", "-d", "@" + epoch, "+%Y-%m-%d %H:%M:%S"])
            #expect(
                times == [expected.stdoutText.trimmingCharacters(in: .newlines)],
                "the tarball predates the last commit: run make dist (make test-packaging does)")
        }

        func lastCommitTime() throws -> String {
            let commit = try succeed("git", ["-C", TestSupport.packageRoot, "log", "-1", "--format=%ct"])
            return commit.stdoutText.trimmingCharacters(in: .newlines)
        }

        @Test("The binary in it reports the version and does create, add, verify and list")
        func binaryRuns() throws {
            let binary = try Artifacts.unpackedTarball() + "/htpass"
            let version = try succeed(binary, ["--version"])
            #expect(version.stdoutText == Artifacts.version + "\n")
            let work = try TestSupport.temporaryDirectory("htpass-tarball-run")
            try exerciseHtpass(file: work + "/htpasswd", hostFile: work + "/htpasswd") {
                arguments, stdin, environment in
                try TestSupport.run(binary, arguments, stdin: Array(stdin.utf8), environment: environment)
            }
        }

        @Test("htpass serve runs the htpass-serve next to it: --help, --version, and it answers /auth")
        func serveRuns() throws {
            let directory = try Artifacts.unpackedTarball()
            let help = try succeed(directory + "/htpass", ["serve", "--help"])
            #expect(help.stdoutText.contains("--listen"), "\(help.stdoutText)")
            #expect(help.stdoutText.contains("--max-failures"), "\(help.stdoutText)")
            let version = try succeed(directory + "/htpass-serve", ["--version"])
            #expect(version.stdoutText == Artifacts.version + "\n")
            let work = try TestSupport.temporaryDirectory("htpass-tarball-serve")
            try succeed(
                directory + "/htpass", ["create", "--password-env", "PW", work + "/htpasswd", "alice"],
                environment: ["PW": "alice serve pw"])
            try exerciseServe(
                [directory + "/htpass", "serve", work + "/htpasswd", "--listen", "unix:" + work + "/serve.sock"],
                at: .unixSocket(work + "/serve.sock"), password: "alice serve pw")
        }
    }
}

import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension PackagingTests {
    /// The .deb files installed with apt-get, used, and purged. Needs root, as apt-get does.
    @Suite("make deb: the Debian packages")
    struct DebianPackageTests {
        static let apt: [String: String?] = ["DEBIAN_FRONTEND": "noninteractive"]

        /// dpkg's state of `package`: "install ok installed"; "" when dpkg does not know it, or knows it as
        /// "unknown ok not-installed" (purged, or seen in an archive only). Config files left would show.
        static func status(_ package: String) throws -> String {
            let output = try TestSupport.run("dpkg-query", ["--show", "--showformat=${Status}", package])
            return output.status != 0 || output.stdoutText.hasSuffix(" not-installed") ? "" : output.stdoutText
        }

        /// Purges our packages if an interrupted earlier run left them installed.
        static func purgeLeftovers() throws {
            for package in ["htpass-htpasswd", "htpass"] where try !status(package).isEmpty {
                try succeed("apt-get", ["remove", "--purge", "--yes", "--quiet", package], environment: apt)
            }
        }

        static func exists(_ path: String) -> Bool {
            var info = stat()
            return lstat(path, &info) == 0
        }

        static func isDirectory(_ path: String) -> Bool {
            var info = stat()
            return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
        }

        @Test("Its control fields")
        func control() throws {
            let fields = try succeed(
                "dpkg-deb", ["--field", try Artifacts.require(Artifacts.deb), "Package", "Version", "Architecture"])
            #expect(
                fields.stdoutText
                    == "Package: htpass\nVersion: \(Artifacts.version)\nArchitecture: \(Artifacts.debianArchitecture)\n"
            )
            let info = try succeed("dpkg-deb", ["--info", Artifacts.deb])
            for field in ["Maintainer: ", "Installed-Size: ", "Section: httpd", "Priority: optional", "Description: "] {
                #expect(info.stdoutText.contains(field), "\(field) in \(info.stdoutText)")
            }
            #expect(!info.stdoutText.contains("Depends:"), "a static binary depends on nothing")
            let link = try succeed(
                "dpkg-deb", ["--field", try Artifacts.require(Artifacts.htpasswdDeb), "Depends", "Architecture"])
            #expect(link.stdoutText == "Depends: htpass (= \(Artifacts.version))\nArchitecture: all\n")
        }

        @Test("apt-get install puts both programs, the unit, man page and completions in place; purge removes them")
        func installRunPurge() throws {
            try Self.purgeLeftovers()
            #expect(
                !Self.exists("/usr/bin/htpass"), "/usr/bin/htpass exists and belongs to no package; remove it first")
            let apacheBefore = try sha256("/usr/bin/htpasswd")

            try succeed(
                "apt-get", ["install", "--yes", "--quiet", try Artifacts.require(Artifacts.deb)], environment: Self.apt)
            #expect(try Self.status("htpass") == "install ok installed")
            #expect(try Self.status("htpass-htpasswd").isEmpty, "htpass-htpasswd came along; it must be opt-in")
            #expect(try sha256("/usr/bin/htpasswd") == apacheBefore, "Apache's htpasswd changed")

            let listed = try succeed("dpkg", ["--listfiles", "htpass"]).stdoutText.split(separator: "\n").map(
                String.init)
            let expected = [
                "/usr/bin/htpass", "/usr/bin/htpass-serve", "/usr/lib/systemd/system/htpass-serve.service",
                "/usr/share/man/man1/htpass.1.gz", "/usr/share/bash-completion/completions/htpass",
                "/usr/share/zsh/vendor-completions/_htpass", "/usr/share/fish/vendor_completions.d/htpass.fish",
                "/usr/share/doc/htpass/copyright", "/usr/share/doc/htpass/changelog.gz",
            ]
            for path in expected {
                #expect(listed.contains(path), "dpkg -L htpass lacks \(path)")
                #expect(Self.exists(path), "\(path) is not installed")
            }

            // It runs, from PATH.
            let version = try succeed("htpass", ["--version"])
            #expect(version.stdoutText == Artifacts.version + "\n")
            #expect(try TestSupport.locate("htpass") == "/usr/bin/htpass")
            let work = try TestSupport.temporaryDirectory("htpass-deb")
            try exerciseHtpass(file: work + "/htpasswd", hostFile: work + "/htpasswd") {
                arguments, stdin, environment in
                try TestSupport.run("/usr/bin/htpass", arguments, stdin: Array(stdin.utf8), environment: environment)
            }

            // htpass serve runs /usr/bin/htpass-serve, which answers /auth.
            let help = try succeed("htpass", ["serve", "--help"])
            #expect(help.stdoutText.contains("--listen"), "\(help.stdoutText)")
            try succeed(
                "/usr/bin/htpass", ["create", "--password-env", "PW", work + "/serve.htpasswd", "alice"],
                environment: ["PW": "alice deb pw"])
            try exerciseServe(
                ["htpass", "serve", work + "/serve.htpasswd", "--listen", "unix:" + work + "/serve.sock"],
                at: .unixSocket(work + "/serve.sock"), password: "alice deb pw")
            // The unit as installed: the same file, and systemd reads it without a complaint (no running systemd
            // needed; the man page it names is installed by now).
            #expect(
                try TestSupport.readBytes("/usr/lib/systemd/system/htpass-serve.service")
                    == TestSupport.readBytes(TestSupport.packageRoot + "/packaging/systemd/htpass-serve.service"))
            if (try? TestSupport.locate("systemd-analyze")) != nil {
                let verify = try TestSupport.run(
                    "systemd-analyze", ["verify", "/usr/lib/systemd/system/htpass-serve.service"])
                #expect(verify.status == 0, "\(verify.stdoutText)\(verify.stderrText)")
            }

            // man finds the page; bash loads the completion; zsh and fish find theirs by name.
            let man = try succeed("man", ["-w", "htpass"])
            #expect(man.stdoutText == "/usr/share/man/man1/htpass.1.gz\n")
            let page = try succeed("man", ["htpass"], environment: ["MANPAGER": "cat", "MANWIDTH": "80"])
            #expect(page.stdoutText.contains("htpass"), "\(page.stdoutText.prefix(200))")
            let bash = try succeed(
                "bash", ["-c", "source /usr/share/bash-completion/completions/htpass && complete -p htpass"])
            #expect(bash.stdoutText.contains(" htpass\n"), "\(bash.stdoutText)")
            let zsh = try TestSupport.readBytes("/usr/share/zsh/vendor-completions/_htpass")
            #expect(String(decoding: zsh, as: UTF8.self).hasPrefix("#compdef htpass"))
            let fish = try TestSupport.readBytes("/usr/share/fish/vendor_completions.d/htpass.fish")
            #expect(String(decoding: fish, as: UTF8.self).contains("complete -c 'htpass'"))

            // Purge: every file goes, and every directory that nothing else uses.
            let directories = Set(listed.filter { Self.isDirectory($0) })
            try succeed("apt-get", ["remove", "--purge", "--yes", "--quiet", "htpass"], environment: Self.apt)
            #expect(try Self.status("htpass").isEmpty)
            for path in listed where !directories.contains(path) {
                #expect(!Self.exists(path), "\(path) is left after purge")
            }
            for directory in directories where Self.exists(directory) {
                let left = try FileManager.default.contentsOfDirectory(atPath: directory)
                #expect(!left.isEmpty, "the empty directory \(directory) is left after purge")
            }
            #expect(!Self.exists("/usr/share/doc/htpass"))
            #expect(try sha256("/usr/bin/htpasswd") == apacheBefore)
        }

        @Test("htpass-htpasswd diverts apache2-utils' htpasswd while installed and restores it on purge")
        func htpasswdName() throws {
            try Self.purgeLeftovers()
            let owner = try succeed("dpkg", ["--search", "/usr/bin/htpasswd"])
            #expect(
                owner.stdoutText == "apache2-utils: /usr/bin/htpasswd\n", "the test needs apache2-utils (make deps)")
            let apacheBinary = try sha256("/usr/bin/htpasswd")
            let apachePage = try sha256("/usr/share/man/man1/htpasswd.1.gz")

            try succeed(
                "apt-get",
                [
                    "install", "--yes", "--quiet", try Artifacts.require(Artifacts.deb),
                    try Artifacts.require(Artifacts.htpasswdDeb),
                ],
                environment: Self.apt)
            #expect(try Self.status("htpass-htpasswd") == "install ok installed")
            #expect(try Self.status("apache2-utils") == "install ok installed", "apt removed apache2-utils")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/usr/bin/htpasswd") == "htpass")
            #expect(try TestSupport.locate("htpasswd") == "/usr/bin/htpasswd")
            let truename = try succeed("dpkg-divert", ["--truename", "/usr/bin/htpasswd"])
            #expect(truename.stdoutText == "/usr/bin/htpasswd.apache2-utils\n")
            #expect(try sha256("/usr/bin/htpasswd.apache2-utils") == apacheBinary)
            #expect(try sha256("/usr/share/man/man1/htpasswd.apache2-utils.1.gz") == apachePage)
            // Apache's program still works under its new name.
            let apache = try succeed("/usr/bin/htpasswd.apache2-utils", ["-nbB", "-C", "4", "alice", "pw"])
            #expect(apache.stdoutText.hasPrefix("alice:$2y$04$"))
            // man htpasswd shows htpass's page (man -w resolves the link).
            #expect(try succeed("man", ["-w", "htpasswd"]).stdoutText == "/usr/share/man/man1/htpass.1.gz\n")
            #expect(
                try FileManager.default.destinationOfSymbolicLink(atPath: "/usr/share/man/man1/htpasswd.1.gz")
                    == "htpass.1.gz")

            // Reinstalling (the preinst's upgrade path) keeps one diversion and Apache's file.
            try succeed("dpkg", ["--install", Artifacts.htpasswdDeb])
            #expect(try sha256("/usr/bin/htpasswd.apache2-utils") == apacheBinary)

            try succeed(
                "apt-get", ["remove", "--purge", "--yes", "--quiet", "htpass-htpasswd", "htpass"], environment: Self.apt
            )
            #expect(try Self.status("htpass-htpasswd").isEmpty)
            #expect(try sha256("/usr/bin/htpasswd") == apacheBinary, "Apache's htpasswd is not back")
            #expect(try sha256("/usr/share/man/man1/htpasswd.1.gz") == apachePage)
            #expect(!Self.exists("/usr/bin/htpasswd.apache2-utils"))
            #expect(try succeed("dpkg", ["--search", "/usr/bin/htpasswd"]).stdoutText == owner.stdoutText)
            let diversions = try succeed("dpkg-divert", ["--list", "*htpasswd*"])
            #expect(diversions.stdoutText.isEmpty, "\(diversions.stdoutText)")
        }
    }
}

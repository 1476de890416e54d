import Foundation
import TestSupport
import Testing

extension PackagingTests {
    /// The release binary in a root that holds nothing else: no libc, no /etc, no /tmp, no shell. What runs there
    /// runs `FROM scratch`, on distroless and on Alpine (musl, no glibc).
    @Suite("The static binary in an empty root (chroot)")
    struct EmptyRootTests {
        /// A new root holding only `/htpass` (from the tarball) and, with `proc`, the empty directory `/proc`.
        static func makeRoot(proc: Bool) throws -> String {
            let root = try TestSupport.temporaryDirectory("htpass-empty-root")
            let binary = try Artifacts.unpackedTarball() + "/htpass"
            try FileManager.default.copyItem(atPath: binary, toPath: root + "/htpass")
            if proc {
                try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: false)
            }
            return root
        }

        /// A new root holding only `/htpass` and `/htpass-serve` from the tarball, and no `/proc`.
        static func makeServeRoot() throws -> String {
            let root = try TestSupport.temporaryDirectory("htpass-empty-root-serve")
            let directory = try Artifacts.unpackedTarball()
            for name in ["htpass", "htpass-serve"] {
                try FileManager.default.copyItem(atPath: directory + "/" + name, toPath: root + "/" + name)
            }
            return root
        }

        static func entries(of root: String) throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: root))
        }

        @Test("With /proc mounted, as in every container: create, add, verify, list")
        func withProc() throws {
            let root = try Self.makeRoot(proc: true)
            // A mount namespace of its own: /proc is mounted inside the root for this process only, and goes
            // away with it. The shell checks that it is there before it chroots.
            let script =
                #"root=$1; shift; mount -t proc proc "$root/proc" && test -e "$root/proc/self/exe" && exec chroot "$root" /htpass "$@""#
            try exerciseHtpass(file: "/htpasswd", hostFile: root + "/htpasswd") { arguments, stdin, environment in
                try TestSupport.run(
                    "unshare",
                    ["--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", root] + arguments,
                    stdin: Array(stdin.utf8), environment: environment)
            }
            #expect(try Self.entries(of: root) == ["htpass", "htpasswd", "proc"])
            #expect(try Self.entries(of: root + "/proc").isEmpty, "/proc stayed mounted outside the namespace")
        }

        /// The Swift runtime reads /proc/self/exe at start (and used to abort without it: "Unable to obtain Swift
        /// runtime path") and finds argv through /proc/self/maps; Sources/CStartup makes both unnecessary.
        @Test("Without /proc: create, add, verify, list work the same")
        func withoutProc() throws {
            let root = try Self.makeRoot(proc: false)
            try exerciseHtpass(file: "/htpasswd", hostFile: root + "/htpasswd") { arguments, stdin, environment in
                let output = try TestSupport.run(
                    "chroot", [root, "/htpass"] + arguments, stdin: Array(stdin.utf8), environment: environment)
                #expect(!output.stderrText.contains("Unable to obtain Swift runtime path"))
                return output
            }
            #expect(try Self.entries(of: root) == ["htpass", "htpasswd"])
        }

        @Test(
            "Without /proc, backtrace settings of the user's own do not bring the abort back",
            arguments: ["enable=no", "enable=yes", "color=no"])
        func withoutProcUserBacktraceSettings(settings: String) throws {
            let root = try Self.makeRoot(proc: false)
            let output = try TestSupport.run(
                "chroot", [root, "/htpass", "hash", "--stdin", "-a", "sha512", "alice"], stdin: Array("pw".utf8),
                environment: ["SWIFT_BACKTRACE": settings])
            #expect(output.status == 0, "\(output.stderrText)")
            #expect(output.stdoutText.hasPrefix("alice:$6$"), "\(output.stdoutText)")
        }

        /// htpass-serve links SwiftNIO and Hummingbird statically too: nothing from the system, no /etc (numeric
        /// addresses and a unix socket need no resolver). /proc is mounted, as in every container.
        @Test("htpass serve in an empty root with /proc: it starts htpass-serve, which answers /auth on a unix socket")
        func serveWithProc() throws {
            let root = try Self.makeServeRoot()
            try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: false)
            try succeed(
                "chroot", [root, "/htpass", "create", "--password-env", "PW", "/htpasswd", "alice"],
                environment: ["PW": "alice in the root"])
            let script = #"root=$1; shift; mount -t proc proc "$root/proc" && exec chroot "$root" /htpass "$@""#
            try exerciseServe(
                [
                    "unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", root, "serve",
                    "/htpasswd", "--listen", "unix:/serve.sock",
                ], at: .unixSocket(root + "/serve.sock"), password: "alice in the root")
        }

        /// Without /proc, as in a chroot or a bare container: the Swift runtime reads /proc/self/exe at start,
        /// libdispatch's global queues read /proc/TID/stat once a second and trap when they cannot (see
        /// ServeExecutorFactory in Sources/htpass-serve), and `htpass serve` finds htpass-serve through
        /// /proc/self/exe, else its argv[0]. Asked from here on 127.0.0.1 (the chroot keeps the host's network),
        /// and again after a few seconds, so that a trap of the once-a-second check would be seen.
        @Test("htpass serve in an empty root without /proc: 200 and 401 on 127.0.0.1, seconds later too")
        func serveWithoutProc() throws {
            let root = try Self.makeServeRoot()
            try succeed(
                "chroot", [root, "/htpass", "create", "--password-env", "PW", "/htpasswd", "alice"],
                environment: ["PW": "alice without proc"])
            let port = try HTTPProbe.freePort()
            try exerciseServe(
                ["chroot", root, "/htpass", "serve", "/htpasswd", "--listen", "127.0.0.1:\(port)"],
                at: .loopback(port: port), password: "alice without proc", linger: 3)
            #expect(try Self.entries(of: root) == ["htpass", "htpass-serve", "htpasswd"])
        }
    }
}

import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension PackagingTests {
    /// The image of `make oci`, unpacked by umoci into an OCI runtime bundle and run by runc: what `docker run`
    /// does with it, without a Docker engine. The bundle's config is umoci's translation of the image config, with
    /// what `docker run --rm -i -v DIR:/w IMAGE ARGS` adds: the arguments, the bind mount, no terminal, and
    /// Docker's default capabilities.
    @Suite("make oci: the FROM-scratch image under runc")
    struct OCIImageTests {
        /// Docker's default capability set (moby's oci/caps/defaults.go).
        static let dockerCapabilities = [
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
            "CAP_AUDIT_WRITE",
        ]

        /// An unpacked bundle of the image.
        struct Bundle {
            let path: String
            let config: [String: Any]

            init() throws {
                let parent = try TestSupport.temporaryDirectory("htpass-oci")
                path = parent + "/bundle"
                let image = try Artifacts.require(Artifacts.ociLayout) + ":" + Artifacts.version
                try succeed("umoci", ["unpack", "--image", image, path])
                let data = try Data(contentsOf: URL(fileURLWithPath: path + "/config.json"))
                config = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            }

            /// `docker run --rm -i [--user UID:GID] -v HOST:/w IMAGE ARGUMENTS` with `environment` (`-e`).
            func run(
                _ arguments: [String], stdin: String, environment: [String: String], mount host: String,
                user: (uid: Int, gid: Int) = (0, 0)
            ) throws -> TestSupport.Output {
                let command = try prepare(arguments, environment: environment, mount: host, user: user)
                return try TestSupport.run(command[0], Array(command.dropFirst()), stdin: Array(stdin.utf8))
            }

            /// Writes the bundle's config for `run`, and returns the runc command line that runs it.
            func prepare(
                _ arguments: [String], environment: [String: String], mount host: String,
                user: (uid: Int, gid: Int) = (0, 0)
            ) throws -> [String] {
                var config = self.config
                var process = try #require(config["process"] as? [String: Any])
                let entrypoint = try #require(process["args"] as? [String])
                process["args"] = entrypoint + arguments
                process["terminal"] = false
                process["user"] = ["uid": user.uid, "gid": user.gid]
                process["env"] = (process["env"] as? [String] ?? []) + environment.map { "\($0.key)=\($0.value)" }
                process["capabilities"] = Dictionary(
                    uniqueKeysWithValues: ["bounding", "effective", "permitted"].map {
                        ($0, OCIImageTests.dockerCapabilities)
                    })
                config["process"] = process
                var mounts = try #require(config["mounts"] as? [[String: Any]])
                mounts.append(["destination": "/w", "type": "bind", "source": host, "options": ["rbind", "rw"]])
                config["mounts"] = mounts
                let data = try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
                try data.write(to: URL(fileURLWithPath: path + "/config.json"))
                let id = "htpass-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
                return ["runc", "run", "--bundle", path, id]
            }
        }

        @Test("The image holds /htpass, /htpass-serve and the working directory /w, and starts /htpass in /w")
        func layout() throws {
            let bundle = try Bundle()
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: bundle.path + "/rootfs").sorted() == [
                    "htpass", "htpass-serve", "w",
                ])
            let process = try #require(bundle.config["process"] as? [String: Any])
            #expect(process["args"] as? [String] == ["/htpass"])
            #expect(process["cwd"] as? String == "/w")
            let tarball = try Artifacts.unpackedTarball() + "/htpass"
            #expect(
                try sha256(bundle.path + "/rootfs/htpass") == sha256(tarball), "the image's binary is the tarball's")
            #expect(
                try sha256(bundle.path + "/rootfs/htpass-serve") == sha256(tarball + "-serve"),
                "the image's htpass-serve is the tarball's")
        }

        @Test("docker run -v DIR:/w IMAGE serve: htpass-serve answers /auth on a socket in /w, stops on SIGTERM")
        func serves() throws {
            let bundle = try Bundle()
            let host = try TestSupport.temporaryDirectory("htpass-oci-serve")
            let created = try bundle.run(
                ["create", "--password-env", "PW", "htpasswd", "alice"], stdin: "", environment: ["PW": "alice oci pw"],
                mount: host)
            #expect(created.status == 0, "\(created.stderrText)")
            // runc run (not detached) hands the shell's SIGTERM on to the container's process.
            let command = try bundle.prepare(
                ["serve", "/w/htpasswd", "--listen", "unix:/w/serve.sock"], environment: [:], mount: host)
            try exerciseServe(command, at: .unixSocket(host + "/serve.sock"), password: "alice oci pw")
        }

        @Test("docker run -i -v DIR:/w: create, add, verify, list on the bind-mounted directory")
        func runsAsRoot() throws {
            let bundle = try Bundle()
            let host = try TestSupport.temporaryDirectory("htpass-oci-w")
            try exerciseHtpass(file: "htpasswd", hostFile: host + "/htpasswd") { arguments, stdin, environment in
                try bundle.run(arguments, stdin: stdin, environment: environment, mount: host)
            }
        }

        @Test("docker run --user 65534:65534: the file belongs to that user")
        func runsAsUser() throws {
            let bundle = try Bundle()
            let host = try TestSupport.temporaryDirectory("htpass-oci-user")
            #expect(chown(host, 65534, 65534) == 0)
            let created = try bundle.run(
                ["create", "--password-env", "PW", "htpasswd", "carol"], stdin: "", environment: ["PW": "carol-pw"],
                mount: host, user: (65534, 65534))
            #expect(created.status == 0, "\(created.stderrText)")
            var info = stat()
            #expect(stat(host + "/htpasswd", &info) == 0)
            #expect(info.st_uid == 65534 && info.st_gid == 65534)
            let apache = try TestSupport.run("htpasswd", ["-vb", host + "/htpasswd", "carol", "carol-pw"])
            #expect(apache.status == 0, "\(apache.stderrText)")
        }
    }
}

import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What `make dist deb oci` leaves in `dist/`, by the names scripts/package.sh gives them. The tests build nothing:
/// `make test-packaging` makes these first.
enum Artifacts {
    /// `Htpass.version` in Sources/htpass/Htpass.swift, the one place the version is written.
    static let version: String = {
        let source = (try? TestSupport.readBytes(TestSupport.packageRoot + "/Sources/htpass/Htpass.swift")) ?? []
        for line in String(decoding: source, as: UTF8.self).split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            let prefix = "static let version = \""
            if text.hasPrefix(prefix), text.hasSuffix("\"") {
                return String(text.dropFirst(prefix.count).dropLast())
            }
        }
        return "unknown"
    }()

    static let directory = TestSupport.packageRoot + "/dist"

    /// `uname -m`: x86_64, aarch64.
    static let machine: String = {
        var names = utsname()
        uname(&names)
        return withUnsafeBytes(of: &names.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }()

    /// Debian's name for this architecture: amd64, arm64.
    static let debianArchitecture = machine == "x86_64" ? "amd64" : machine == "aarch64" ? "arm64" : machine

    static var tarballName: String { "htpass-\(version)-linux-\(machine)" }
    static var tarball: String { directory + "/\(tarballName).tar.gz" }
    static var deb: String { directory + "/htpass_\(version)_\(debianArchitecture).deb" }
    static var htpasswdDeb: String { directory + "/htpass-htpasswd_\(version)_all.deb" }
    static var ociLayout: String { directory + "/oci" }

    /// `path`, or an error saying which make target makes it.
    static func require(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw Missing(path: path) }
        return path
    }

    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) is missing: run 'make test-packaging' (it runs make dist deb oci first)" }
    }

    /// The static binary from the tarball, unpacked once into a temporary directory.
    static func unpackedTarball() throws -> String {
        let directory = try TestSupport.temporaryDirectory("htpass-tarball")
        let output = try TestSupport.run("tar", ["-xzf", try require(tarball), "-C", directory])
        try #require(output.status == 0, "tar -xzf \(tarball): \(output.stderrText)")
        return directory + "/" + tarballName
    }
}

/// Runs a program and expects status 0, reporting its standard error otherwise.
@discardableResult
func succeed(
    _ program: String, _ arguments: [String], stdin: String = "", environment: [String: String?] = [:],
    directory: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
) throws -> TestSupport.Output {
    let output = try TestSupport.run(
        program, arguments, stdin: Array(stdin.utf8), environment: environment, directory: directory)
    #expect(
        output.status == 0,
        "\(program) \(arguments.joined(separator: " ")) exited \(output.status): \(output.stderrText)",
        sourceLocation: sourceLocation)
    return output
}

/// The SHA-256 of a file, as `sha256sum` prints it.
func sha256(_ path: String) throws -> String {
    let output = try TestSupport.run("sha256sum", ["--", path])
    return String(output.stdoutText.prefix(64))
}

/// The htpass session every artifact must get through: create, add two users (the password from standard input
/// and from the environment), verify both and a wrong password, list. `run(arguments, stdin, environment)`
/// starts the binary under test however the artifact needs; `file` is the htpasswd file's name as that binary
/// sees it, `hostFile` the same file from here, which Apache's `htpasswd -v` checks afterwards.
func exerciseHtpass(
    file: String, hostFile: String,
    run: (_ arguments: [String], _ stdin: String, _ environment: [String: String]) throws -> TestSupport.Output,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    func expectStatus(_ output: TestSupport.Output, _ status: Int32, _ step: String) {
        #expect(
            output.status == status, "\(step): exit \(output.status), stderr: \(output.stderrText)",
            sourceLocation: sourceLocation)
    }
    expectStatus(try run(["create", file], "", [:]), 0, "create")
    expectStatus(try run(["add", "--stdin", file, "alice"], "alice pw: 🔑", [:]), 0, "add --stdin")
    expectStatus(
        try run(["add", "--password-env", "PW", file, "bob"], "", ["PW": "bob-secret"]), 0, "add --password-env")
    expectStatus(try run(["verify", "--stdin", file, "alice"], "alice pw: 🔑", [:]), 0, "verify alice")
    expectStatus(try run(["verify", "--password-env", "PW", file, "bob"], "", ["PW": "bob-secret"]), 0, "verify bob")
    expectStatus(try run(["verify", "--stdin", file, "alice"], "wrong", [:]), 1, "verify with a wrong password")
    let list = try run(["list", file], "", [:])
    expectStatus(list, 0, "list")
    #expect(list.stdoutText == "alice\nbob\n", "list printed \(list.stdoutText)", sourceLocation: sourceLocation)
    // The real oracle: Apache's htpasswd accepts what the artifact wrote.
    let apache = try TestSupport.run("htpasswd", ["-vb", hostFile, "alice", "alice pw: 🔑"])
    #expect(apache.status == 0, "htpasswd -v: \(apache.stderrText)", sourceLocation: sourceLocation)
}

/// Where the server under test listens, as seen from here.
enum ServeAddress {
    /// A unix socket, by its path from here.
    case unixSocket(String)
    /// `127.0.0.1:port`: a chroot shares this host's network.
    case loopback(port: UInt16)

    /// The bash script's argument: `unix:PATH` or `tcp:PORT`.
    var argument: String {
        switch self {
        case .unixSocket(let path): "unix:\(path)"
        case .loopback(let port): "tcp:\(port)"
        }
    }
}

/// The `htpass serve` session every artifact must get through. `command` starts the artifact's server (through
/// `htpass serve`, as users run it) listening on `address`, on a file where alice's password is `password`; bash
/// runs it in the background, asks `/healthz` until it answers, then `/auth` with the right password, a wrong
/// one (on a path under `/auth`) and none, through curl, waits `linger` seconds and asks with the right password
/// again (a server that dies a while after starting fails here), and stops it with SIGTERM. Its standard output
/// (the audit log) must name alice and never hold the password.
func exerciseServe(
    _ command: [String], at address: ServeAddress, password: String, linger: Int = 0,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let log = try TestSupport.temporaryDirectory("htpass-serve-log") + "/out"
    // bash, and a wait that polls: the server's exit is seen even when the shell would miss its SIGCHLD (a dash
    // started from this test process once hung in `wait` on a child already gone).
    let script = #"""
        where=$1; log=$2; pw=$3; linger=$4; shift 4
        case $where in
            unix:*) base=http://localhost; via=(--unix-socket "${where#unix:}") ;;
            tcp:*) base=http://127.0.0.1:${where#tcp:}; via=() ;;
        esac
        "$@" > "$log" 2>&1 < /dev/null &
        pid=$!
        running() { [ -e "/proc/$pid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; }
        ask() { curl -s --max-time 10 "${via[@]}" -o /dev/null -w '%{http_code}' "$@"; }
        i=0
        until [ "$(ask "$base/healthz")" = 200 ]; do
            running || { echo "exited before answering"; exit 1; }
            i=$((i + 1)); [ "$i" -le 300 ] || { echo "no answer after 30 s"; kill -KILL "$pid"; exit 1; }
            sleep 0.1
        done
        echo "right $(ask -u "alice:$pw" "$base/auth")"
        echo "wrong $(ask -u alice:wrong "$base/auth/some/path")"
        echo "none $(ask "$base/auth")"
        sleep "$linger"
        echo "later $(ask -u "alice:$pw" "$base/auth")"
        kill -TERM "$pid"
        i=0
        while running; do
            i=$((i + 1)); [ "$i" -le 300 ] || { echo "still running 30 s after SIGTERM"; kill -KILL "$pid"; break; }
            sleep 0.1
        done
        wait "$pid"
        echo "exit $?"
        """#
    let output = try TestSupport.run(
        "bash", ["-c", script, "bash", address.argument, log, password, String(linger)] + command)
    let audit = (try? TestSupport.readBytes(log)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    #expect(
        output.stdoutText == "right 200\nwrong 401\nnone 401\nlater 200\nexit 0\n",
        "\(command.joined(separator: " ")): \(output.stdoutText) \(output.stderrText) output: \(audit)",
        sourceLocation: sourceLocation)
    #expect(audit.contains("alice"), "the audit log names no user: \(audit)", sourceLocation: sourceLocation)
    #expect(!audit.contains(password), "the password is in the server's output", sourceLocation: sourceLocation)
}

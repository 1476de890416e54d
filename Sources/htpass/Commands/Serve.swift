import ArgumentParser
import Glibc

extension Htpass {
    /// `htpass serve ...`: runs `htpass-serve`, installed next to htpass, with the same arguments. The
    /// server is a program of its own so that htpass does not link SwiftNIO and starts as fast as before.
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Answer reverse proxies' authorization requests (nginx auth_request, Caddy forward_auth).",
            discussion: """
                Runs htpass-serve, installed next to htpass, with these arguments: 'htpass serve FILE' serves \
                GET /auth on 127.0.0.1:9180 from FILE, with a cache of successful verifications, throttling of \
                guesses and an audit log. See 'htpass serve --help' (htpass-serve's own help) and Docs/serve.md.

                EXAMPLES:
                  htpass serve /etc/nginx/htpasswd
                  htpass serve --listen unix:/run/htpass/auth.sock --socket-group www-data /etc/nginx/htpasswd
                """)

        @Argument(parsing: .captureForPassthrough, help: "FILE and htpass-serve's options.")
        var arguments: [String] = []

        func run() throws {
            let server = try Self.serverPath()
            let argv = [server] + arguments
            let cArgv = argv.map { strdup($0) } + [nil]
            execv(server, cArgv)
            let reason = String(cString: strerror(errno))
            throw CommandError(.fileProblem, "Cannot run \(server): \(reason)")
        }

        /// `htpass-serve` in the directory of the running htpass (links resolved).
        static func serverPath() throws -> String {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            var count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
            if count <= 0, let first = CommandLine.arguments.first, first.contains("/"),
                let resolved = realpath(first, nil)
            {
                defer { free(resolved) }
                let bytes = Array(String(cString: resolved).utf8CString.dropLast())
                count = min(bytes.count, buffer.count - 1)
                buffer.replaceSubrange(0..<count, with: bytes.prefix(count))
            }
            guard count > 0 else {
                throw CommandError(
                    .fileProblem, "Cannot tell where htpass is installed, to find htpass-serve next to it")
            }
            var directory = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = directory.lastIndex(of: "/") { directory = String(directory[..<slash]) }
            let path = directory + "/htpass-serve"
            guard access(path, X_OK) == 0 else {
                throw CommandError(
                    .fileProblem,
                    "htpass-serve is not installed next to htpass (\(path)); install it to use 'htpass serve'")
            }
            return path
        }
    }
}

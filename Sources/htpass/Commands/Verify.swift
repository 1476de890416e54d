import ArgumentParser
import HtpasswdCore
import HtpasswdVerifier

extension Htpass {
    struct Verify: RequestCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check a user's password.",
            discussion: """
                Accepts every format nginx on Debian accepts (bcrypt, SHA-crypt, yescrypt, apr1, md5crypt, \
                {SHA}, {SSHA}, {PLAIN}, DES); the first line of a user wins. Nothing is printed on standard \
                output: the exit status is the answer.

                Status: 0 the password matches, 1 it does not, 3 no such user (after the time a real check \
                takes), 6 the entry cannot be verified (unknown format, a failure token such as '*0', or with \
                --as a format, cost or prefix that server cannot verify), 4 the file cannot be read (with --as: \
                that server refuses the whole file).

                EXAMPLES:
                  htpass verify /etc/nginx/htpasswd alice                     # prompts once
                  printf '%s' "$PW" | htpass verify --stdin htpasswd bob && echo ok
                  htpass verify --password-env PW htpasswd carol
                  htpass verify --as nginx-alpine --stdin htpasswd alice     # as nginx:alpine would
                """)

        @Argument(help: "The htpasswd file.", completion: .file())
        var file: String

        @Argument(help: "The user to check.")
        var user: String

        @OptionGroup(title: "Password input")
        var password: PasswordSource

        @Option(
            name: .customLong("as"),
            help: ArgumentHelp(
                "Give the verdict of this server, reading the file as it does (default \(Target.default.rawValue)): "
                    + "\(Target.namesForHelp).",
                valueName: "target"))
        var target: TargetList?

        func makeRequest() throws -> Request {
            guard target.map({ $0.targets.count == 1 }) ?? true else {
                throw ValidationError("--as takes one server")
            }
            return .verify(
                VerifyRequest(file: file, user: user, password: try password.choice(), target: target?.targets.first))
        }
    }
}

extension Htpass.Verify: FileCommand {
    static var fileUse: FileUse { .read }
}

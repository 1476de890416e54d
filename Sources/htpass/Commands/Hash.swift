import ArgumentParser
import HtpasswdCore

extension Htpass {
    struct Hash: RequestCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash",
            abstract: "Print a hash, or a USER:hash line, without touching any file.",
            discussion: """
                With --generate, the generated password is printed first, on its own line, then the hash. \
                --format compose doubles every '$' (for a Compose label or environment value); --format dotenv \
                prints NAME='...' for a .env file (--name, default HTPASSWD_USERS), single-quoted so that nothing \
                is interpolated. Never escape what goes into a mounted htpasswd file.

                EXAMPLES:
                  htpass hash alice                          # prompts twice; prints alice:$2y$10$...
                  printf '%s' "$PW" | htpass hash --stdin -a apr1
                  htpass hash --generate --length 32 bob     # password, then bob:$2y$10$...
                  kubectl create secret generic basic-auth --from-literal=auth="$(htpass hash --password-env PW admin)"
                  htpass hash --stdin --format compose --target traefik admin   # admin:$$2y$$10$$...
                """)

        @Argument(help: "A user name to print before the hash, as USER:hash.")
        var user: String?

        @OptionGroup(title: "Password input")
        var password: PasswordSource

        @OptionGroup(title: "Password input")
        var generation: PasswordGeneration

        @OptionGroup(title: "Hashing")
        var hashing: HashingOptions

        @Option(
            help: ArgumentHelp(
                "How to print the line (default plain; 'htpass export' makes a k8s-secret).", valueName: "format"))
        var format: HashOutputFormat?

        @Option(
            help: ArgumentHelp(
                "The variable of --format dotenv (default \(TextFormat.defaultVariable)).", valueName: "name"))
        var name: String?

        func makeRequest() throws -> Request {
            .hash(
                try HashRequest(
                    user: user, password: try password.choice(generation: generation), hashing: hashing.choice,
                    format: format?.text ?? .plain, name: name))
        }
    }
}

extension Htpass.Hash: FileCommand {
    static var fileUse: FileUse { .none }
}

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
                single-quotes the line (for a .env file). Never escape what goes into a mounted htpasswd file.

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

        @Option(help: ArgumentHelp("plain (default), compose or dotenv.", valueName: "format"))
        var format: TextFormat = .plain

        func validate() throws {
            if format == .k8sSecret {
                throw ValidationError("--format is plain, compose or dotenv here ('htpass export' makes a k8s-secret)")
            }
        }

        func makeRequest() throws -> Request {
            .hash(
                HashRequest(
                    user: user, password: try password.choice(generation: generation), hashing: hashing.choice,
                    format: format))
        }
    }
}

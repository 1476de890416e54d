import ArgumentParser
import HtpasswdCore

extension Htpass {
    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash",
            abstract: "Print a hash, or a USER:hash line, without touching any file.",
            discussion: """
                With --generate, the generated password is printed first, on its own line, then the hash.

                EXAMPLES:
                  htpass hash alice                          # prompts twice; prints alice:$2y$10$...
                  printf '%s' "$PW" | htpass hash --stdin -a apr1
                  htpass hash --generate --length 32 bob     # password, then bob:$2y$10$...
                  kubectl create secret generic basic-auth --from-literal=auth="$(htpass hash --password-env PW admin)"
                """)

        @Argument(help: "A user name to print before the hash, as USER:hash.")
        var user: String?

        @OptionGroup(title: "Password input")
        var password: PasswordSource

        @OptionGroup(title: "Password input")
        var generation: PasswordGeneration

        @OptionGroup(title: "Hashing")
        var hashing: HashingOptions

        func validate() throws {
            try generation.checkExclusive(with: password)
        }

        func run() throws {
            let name = try user.map { user throws(HtpasswdError) in try UserName(RawArguments.bytes(of: [user])[0]) }
            let hasher = try hashing.hasher()
            let secret = try password.read(for: .set(name), generation: generation)
            let hash = try hasher.hash(secret.bytes)
            secret.printIfGenerated()
            if let name {
                Warnings.recordLength(name.bytes.count + 1 + hash.utf8.count, for: name)
                Output.line(name.bytes + [UInt8(ascii: ":")] + Array(hash.utf8))
            } else {
                Output.line(hash)
            }
        }
    }
}

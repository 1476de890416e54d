import ArgumentParser
import HtpasswdCore

extension Htpass {
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a user, or change a user's password.",
            discussion: """
                The password is hashed before the file is locked; the edit is atomic, and every other line \
                stays as it was. Later lines of the same user are removed (nginx and Apache use the first).

                EXAMPLES:
                  htpass add /etc/nginx/htpasswd alice                     # prompts twice
                  printf '%s' "$PW" | htpass add --stdin /etc/nginx/htpasswd bob
                  htpass add --password-env PW -a sha512 htpasswd carol
                  htpass add --create --group www-data --generate htpasswd dave   # prints the password
                """)

        @Argument(help: "The htpasswd file.", completion: .file())
        var file: String

        @Argument(help: "The user name (1 to 255 bytes; no ':', no control characters).")
        var user: String

        @Flag(help: "Create the file if it does not exist.")
        var create = false

        @OptionGroup(title: "Password input")
        var password: PasswordSource

        @OptionGroup(title: "Password input")
        var generation: PasswordGeneration

        @OptionGroup(title: "Hashing")
        var hashing: HashingOptions

        @OptionGroup(title: "Files")
        var newFile: NewFileOptions

        @OptionGroup(title: "Files")
        var lock: LockOptions

        func validate() throws {
            try generation.checkExclusive(with: password)
        }

        func run() throws {
            let user = try UserName(RawArguments.bytes(of: [file, user])[1])
            let hasher = try hashing.hasher()
            let attributes = try newFile.attributes()
            let secret = try password.read(for: .set(user), generation: generation)
            let hash = try hasher.hash(secret.bytes)
            let existed = Warnings.exists(file)
            let creation: HtpasswdStore.Creation = create ? .createIfMissing : .mustExist
            let (outcome, malformed) = try lock.store(file).edit(creation: creation, attributes: attributes) {
                file in (file.setHash(hash.utf8, for: user), file.malformedLines)
            }
            Warnings.afterSetting(outcome, for: user)
            Warnings.malformed(malformed, in: file)
            if !existed { Warnings.newFile(file, attributes: attributes) }
            secret.printIfGenerated()
        }
    }
}

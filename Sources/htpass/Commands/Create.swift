import ArgumentParser
import HtpasswdCore

extension Htpass {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create an htpasswd file, optionally with a first user.",
            discussion: """
                An existing file is refused (exit 4) unless --force, which empties it but keeps its mode, \
                owner and group. A new file gets mode 0640; give it to the web server's group with --group.

                EXAMPLES:
                  htpass create --group www-data /etc/nginx/htpasswd alice        # prompts twice
                  htpass create --mode 0644 htpasswd                           # an empty file
                  htpass create --force --password-file pw.txt htpasswd alice  # start again
                  htpass create --generate -a sha512 htpasswd alice            # prints the password
                """)

        @Argument(help: "The htpasswd file to create.", completion: .file())
        var file: String

        @Argument(help: "A first user to add (1 to 255 bytes; no ':', no control characters).")
        var user: String?

        @Flag(help: "Replace an existing file: every user in it is removed.")
        var force = false

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
            let givesPassword = password.stdin || password.passwordFile != nil || password.passwordEnv != nil
            if user == nil && (givesPassword || generation.generate) {
                throw ValidationError("A password needs a USER; give one after FILE")
            }
        }

        func run() throws {
            let attributes = try newFile.attributes()
            var secret: Password?
            var hash: String?
            var name: UserName?
            if let user {
                name = try UserName(RawArguments.bytes(of: [file, user])[1])
                let hasher = try hashing.hasher()
                secret = try password.read(for: .set(name), generation: generation)
                hash = try hasher.hash(secret!.bytes)
            }
            let existed = Warnings.exists(file)
            let outcome = try lock.store(file).edit(creation: force ? .replace : .mustNotExist, attributes: attributes)
            {
                file in name.map { file.setHash(hash!.utf8, for: $0) }
            }
            if let outcome, let name { Warnings.afterSetting(outcome, for: name) }
            if !existed { Warnings.newFile(file, attributes: attributes) }
            secret?.printIfGenerated()
        }
    }
}

import ArgumentParser
import HtpasswdCore

extension Htpass {
    struct Create: RequestCommand {
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

        @Argument(help: "A first user to add (1 to \(UserName.maximumLength) bytes; no ':', no control characters).")
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
        var edit: EditOptions

        @OptionGroup(title: "Messages")
        var messages: QuietOption

        func makeRequest() throws -> Request {
            .create(
                try CreateRequest(
                    file: file, user: user, force: force, password: password.choice(generation: generation),
                    hashing: hashing.choice, newFile: newFile.choice, edit: try edit.choice(), quiet: messages.quiet))
        }
    }
}

extension Htpass.Create: FileCommand {
    static var fileUse: FileUse { .edit }
}

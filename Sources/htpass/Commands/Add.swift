import ArgumentParser
import HtpasswdCore

extension Htpass {
    struct Add: RequestCommand {
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

        @Argument(help: "The user name (1 to \(UserName.maximumLength) bytes; no ':', no control characters).")
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
        var edit: EditOptions

        @Flag(help: "Print what changed as one JSON object, as 'htpass apply --json' does.")
        var json = false

        @OptionGroup(title: "Messages")
        var messages: QuietOption

        func makeRequest() throws -> Request {
            let password = try password.choice(generation: generation)
            try AddRequest.check(json: json, password: password)
            return .add(
                AddRequest(
                    file: file, user: user, create: create, password: password, hashing: hashing.choice,
                    newFile: newFile.choice, edit: try edit.choice(), quiet: messages.quiet, json: json))
        }
    }
}

extension Htpass.Add: FileCommand {
    static var fileUse: FileUse { .editOrCreate }
}

import ArgumentParser
import HtpasswdCore

extension Htpass {
    struct Delete: RequestCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Remove users from an htpasswd file.",
            discussion: """
                Every line of each user goes. If a user is missing, nothing at all is removed and the \
                status is 3, unless --missing-ok.

                EXAMPLES:
                  htpass delete /etc/nginx/htpasswd alice
                  htpass delete htpasswd bob carol
                  htpass delete --missing-ok htpasswd dave    # exit 0 even if dave is not there
                """)

        @Argument(help: "The htpasswd file.", completion: .file())
        var file: String

        @Argument(help: "The users to remove.")
        var users: [String]

        @Flag(help: "Do not fail when a user is not in the file.")
        var missingOk = false

        @OptionGroup(title: "Files")
        var edit: EditOptions

        @Flag(help: "Print what changed as one JSON object (with \"missing\": the users that were not there).")
        var json = false

        @OptionGroup(title: "Messages")
        var messages: QuietOption

        func makeRequest() throws -> Request {
            .delete(
                DeleteRequest(
                    file: file, users: users, missingOk: missingOk, edit: try edit.choice(), quiet: messages.quiet,
                    json: json))
        }
    }
}

extension Htpass.Delete: FileCommand {
    static var fileUse: FileUse { .edit }
}

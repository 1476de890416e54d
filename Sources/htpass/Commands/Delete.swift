import ArgumentParser
import HtpasswdCore

extension Htpass {
    struct Delete: ParsableCommand {
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
        var lock: LockOptions

        func run() throws {
            let names = try RawArguments.bytes(of: [file] + users).dropFirst().map { bytes throws(HtpasswdError) in
                try UserName(bytes)
            }
            let malformed = try lock.store(file).edit { file throws(HtpasswdError) in
                if !missingOk, let missing = names.first(where: { file.entry(for: $0.bytes) == nil }) {
                    throw .userNotFound(user: missing.description)
                }
                for name in names { file.removeEntries(for: name.bytes) }
                return file.malformedLines
            }
            Warnings.malformed(malformed, in: file)
        }
    }
}

import ArgumentParser

/// `htpass`: create, edit, check and list htpasswd files.
@main
struct Htpass: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "htpass",
        abstract: "Manage htpasswd files for HTTP Basic authentication (nginx, Apache, Traefik...).",
        discussion: """
            Edits are locked, atomic and durable; lines an edit does not concern stay byte-for-byte as they \
            were. Passwords are read from --stdin, --password-file, --password-env, --generate, or a prompt \
            on the terminal; never from the command line.

            EXAMPLES:
              htpass create --group www-data /etc/nginx/htpasswd alice
              printf '%s' "$PASSWORD" | htpass add --stdin /etc/nginx/htpasswd bob
              htpass verify --password-env PW /etc/nginx/htpasswd bob && echo ok
              htpass list --long /etc/nginx/htpasswd

            \(ExitStatus.helpText)
            """,
        version: version,
        subcommands: [
            Create.self, Add.self, Delete.self, Verify.self, List.self, Hash.self, Check.self, Apply.self, Export.self,
            Htpasswd.self,
        ]
    )

    /// Without a command there is nothing to do: a usage error, not help with status 0.
    func run() throws {
        throw CommandError(.usage, "Give a command: create, add, delete, verify, list or hash; see 'htpass --help'")
    }

    /// Owns the exit statuses: see ``ExitStatus``.
    static func main() {
        runAndExit(nil)
    }

    /// Owns the exit statuses: see ``ExitStatus``.
    static func main(_ arguments: [String]?) {
        runAndExit(arguments)
    }
}

import ArgumentParser
import CStartup
import HtpasswdCore

/// `htpass`: create, edit, check and list htpasswd files.
@main
struct Htpass: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "htpass",
        abstract: "Manage htpasswd files for HTTP Basic authentication (nginx, Apache, Traefik...).",
        discussion: """
            Edits are locked, atomic and durable; lines an edit does not concern stay byte-for-byte as they \
            were, and every file an edit writes ends with a newline. Passwords are read from --stdin, \
            --password-file, --password-env, --generate, or a prompt on the terminal; never from the command \
            line. Files of any size are read in constant memory.

            WHERE THE FILE GOES: an edit replaces the file by rename, so readers see the old file or the new \
            one. A file bind-mounted alone into a container (Docker Compose's ./htpasswd:/etc/nginx/htpasswd) \
            would keep the old file after a rename, so where a rename would not reach every reader (a mount \
            point, a file mounted alone into another mount namespace, hard links) htpass writes the file in \
            place, through a journal that the next run finishes after a crash, and says so. Mount the \
            directory instead: edits then stay atomic for every reader. --write-mode (HTPASS_WRITE_MODE) \
            forces either way.

            SERVERS: --target (HTPASS_TARGET) names the servers that read the file (\(Target.names)): htpass \
            then writes only what they verify, 'verify --as' gives a server's verdict, and 'check' lists what a server would trip on.

            EXAMPLES:
              htpass create --group www-data /etc/nginx/htpasswd alice
              printf '%s' "$PASSWORD" | htpass add --stdin /etc/nginx/htpasswd bob
              htpass verify --password-env PW /etc/nginx/htpasswd bob && echo ok
              htpass list --long /etc/nginx/htpasswd
              htpass check --target nginx-alpine /etc/nginx/htpasswd
              htpass apply --exclusive /etc/nginx/htpasswd users.spec

            \(ExitStatus.helpText)
            """,
        version: version,
        subcommands: [
            Create.self, Add.self, Delete.self, Verify.self, List.self, Hash.self, Check.self, Apply.self, Export.self,
            Recover.self, Htpasswd.self, Completions.self,
            Serve.self,
        ]
    )

    /// Without a command there is nothing to do: a usage error, not help with status 0.
    func run() throws {
        throw CommandError(.usage, "Give a command: \(Grammar.commandList); see 'htpass --help'")
    }

    /// Owns the exit statuses: see ``ExitStatus``.
    static func main() {
        // Before anything is read: no core file, and no ptrace by another process of the same user.
        htpass_protect_process()
        runAndExit(nil)
    }

    /// Owns the exit statuses: see ``ExitStatus``.
    static func main(_ arguments: [String]?) {
        htpass_protect_process()
        runAndExit(arguments)
    }
}

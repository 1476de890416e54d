import ArgumentParser
import HtpasswdCore

extension Htpass {
    struct Recover: RequestCommand {
        static let configuration = CommandConfiguration(
            commandName: "recover",
            abstract: "Finish an interrupted in-place edit of a file.",
            discussion: """
                An edit written in place (a file bind-mounted alone into a container, a mount point, hard links, \
                --write-mode in-place) keeps its complete new content in a journal next to the file until the \
                file holds it. If the edit is interrupted past that point (killed, a power cut, or an I/O error \
                or a full disk twice in a row), the file may hold part of it, and the next htpass command on the \
                file finishes it first. recover does only that, and fails loudly if it cannot: the commands \
                that read the file read the journal instead when they cannot finish the edit.

                Status: 0 nothing was pending, or the edit was finished (a note says so); 4 the file is missing, \
                or the edit cannot be finished from here (the reason, and what to do).

                EXAMPLES:
                  htpass recover /etc/nginx/htpasswd
                  docker compose exec nginx htpass recover /etc/nginx/.htpasswd   # a journal in the container
                """)

        @Argument(help: "The htpasswd file.", completion: .file())
        var file: String

        @OptionGroup(title: "Files")
        var lock: LockTimeoutOption

        @OptionGroup(title: "Messages")
        var messages: QuietOption

        func makeRequest() throws -> Request {
            .recover(
                RecoverRequest(
                    file: file, lockTimeout: lock.seconds ?? LockTimeout.defaultSeconds, quiet: messages.quiet))
        }
    }
}

extension Htpass.Recover: FileCommand {
    static var fileUse: FileUse { .edit }
}

import ArgumentParser
import HtpasswdCore

extension Htpass {
    struct Recover: ParsableCommand {
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

        @Option(
            name: .customLong("lock-timeout"),
            help: ArgumentHelp(
                "Seconds to wait for another edit of the file to finish (default 10).", valueName: "seconds"))
        var lockTimeout: Double = LockTimeout.defaultSeconds

        func validate() throws {
            try LockTimeout.check(lockTimeout)
        }

        func run() throws {
            let path = RawArguments.path(file)
            var store = HtpasswdStore(path: path, lockTimeout: lockTimeout)
            store.lockWaiting = Output.lockWaiting
            if try store.finishInterruptedEdit() {
                Output.note("Finished the interrupted edit of '\(path.display)'")
            } else {
                // Nothing was pending: a missing file is still an error.
                _ = try store.contentSize()
            }
        }
    }
}

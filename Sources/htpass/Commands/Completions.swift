import ArgumentParser

extension CompletionShell: @retroactive ExpressibleByArgument {}

extension Htpass {
    /// `htpass completions bash|zsh|fish`: the completion scripts that `make install` installs, for those who
    /// got htpass as a tarball or in a container image.
    struct Completions: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "completions",
            abstract: "Print the shell completion script for bash, zsh or fish.",
            discussion: """
                The same scripts as Docs/completions, made from htpass's own definitions.

                EXAMPLES:
                  htpass completions bash > ~/.local/share/bash-completion/completions/htpass
                  htpass completions zsh > "${fpath[1]}/_htpass"
                  htpass completions fish > ~/.config/fish/completions/htpass.fish
                """)

        @Argument(help: "The shell.")
        var shell: CompletionShell

        func run() throws {
            // As a text file ends: with a newline (argument-parser's script has none).
            let script = Htpass.completionScript(for: shell)
            Output.write(script.hasSuffix("\n") ? script : script + "\n")
        }
    }
}

extension Htpass.Completions: FileCommand {
    static var fileUse: FileUse { .none }
}

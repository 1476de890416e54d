import ArgumentParser

/// `-q/--quiet`, for the commands that edit a file.
struct QuietOption: ParsableArguments {
    @Flag(
        name: [.short, .long],
        help: "Print no notes on standard error (what was done, how the file was written); warnings and errors still.")
    var quiet = false
}

import ArgumentParser
import Glibc
import HtpasswdCore

extension Htpass {
    /// Parses `arguments`, runs the command and exits with the status of the contract; never returns.
    ///
    /// Apache's command lines (`htpass htpasswd ...`, or this executable under the name `htpasswd`) go to
    /// ``ApacheCompat``, which never loads argument-parser; the common, valid command lines go through
    /// ``FastPath``; everything else through ``Grammar`` and argument-parser. Whatever the command, its
    /// output must reach standard output: a write that failed, or the last flush, makes the status 4.
    static func runAndExit(_ arguments: [String]?) -> Never {
        // A closed pipe is an error to report (EPIPE), not a silent death.
        signal(SIGPIPE, SIG_IGN)
        if let apache = ApacheCompat.invocation(arguments) {
            ApacheCompat.runAndExit(arguments: apache.arguments, program: apache.program)
        }
        var commandLine = arguments ?? Array(CommandLine.arguments.dropFirst())
        var use = FileUse.edit
        let status: ExitStatus
        do {
            if let request = FastPath.parse(commandLine) {
                #if DEBUG
                    ParserCheck.expectAgreement(request, commandLine)
                #endif
                use = request.fileUse
                try request.run()
            } else {
                commandLine = try Grammar.normalize(commandLine)
                if Grammar.asksForRootHelp(commandLine) {
                    Output.write(Grammar.rootHelp())
                } else {
                    var command = try parseAsRoot(commandLine)
                    use = (type(of: command) as? any FileCommand.Type)?.fileUse ?? .none
                    try command.run()
                }
            }
            try Output.deliver()
            status = .success
        } catch let error as CommandError where Output.failure != nil {
            // The output was lost (a generated password, apply's report): the message says what that means.
            Output.error(error.description)
            StandardInputFile.remove()
            Glibc.exit(error.status.rawValue)
        } catch let error as CommandError {
            Output.error(error.description)
            status = error.status
        } catch let outcome as CommandOutcome {
            if let message = outcome.message { Output.error(message) }
            status = outcome.status
        } catch {
            guard let failure = libraryError(error) else { exitForParserError(error, arguments: commandLine) }
            Output.error(Advice.message(for: failure, use: use))
            status = ExitStatus(for: failure)
        }
        Output.flush()
        StandardInputFile.remove()
        // A command that ended otherwise (check's findings, verify's mismatch) but whose output was lost.
        if let failure = Output.failure {
            Output.error(Output.failureMessage("the output", failure))
            Glibc.exit(ExitStatus.fileProblem.rawValue)
        }
        Glibc.exit(status.rawValue)
    }

    /// `error` as the library's one error: an ``HtpasswdError``, or a validation problem that a library type
    /// throws by itself (`UserName`, where a command makes one from its arguments; `PasswordHash`, a
    /// password's check, a hasher's parameters) in the case that carries it; nil for any other error.
    private static func libraryError(_ error: any Error) -> HtpasswdError? {
        switch error {
        case let error as HtpasswdError: error
        case let problem as UserName.Problem: .invalidUserName(problem)
        case let problem as PasswordHash.Problem: .invalidHash(problem)
        case let problem as PasswordProblem: .invalidPassword(problem)
        case let problem as PasswordHasher.ParameterProblem: .invalidHashParameter(problem)
        default: nil
        }
    }

    /// Help, `--version` and completion scripts go to standard output with status 0; argument-parser's
    /// usage errors (its status 64) become one line on standard error and status 2.
    private static func exitForParserError(_ error: any Error, arguments: [String]) -> Never {
        let code = exitCode(for: error)
        if code == .success {
            Output.write(fullMessage(for: error))
            Output.line("")
            do {
                try Output.deliver()
            } catch {
                Output.error(String(describing: error))
                Glibc.exit(ExitStatus.fileProblem.rawValue)
            }
            Glibc.exit(0)
        }
        let message = Grammar.usageMessage(for: error, message: message(for: error), arguments: arguments)
        if code == .validationFailure || code.rawValue == 64 {
            let help =
                Grammar.command(named: arguments.first).map { "htpass \($0._commandName) --help" } ?? "htpass --help"
            Output.error(message + (message.hasSuffix(".") ? "" : ";") + " see '\(help)'")
            Output.flush()
            Glibc.exit(ExitStatus.usage.rawValue)
        }
        if !message.isEmpty { Output.error(message) }
        Output.flush()
        Glibc.exit(code.rawValue)
    }
}

import ArgumentParser

/// One run of htpass, with everything it needs: what either parser makes of the command line.
///
/// argument-parser's commands define the interface (help, completions, the man page, usage errors) and
/// make a request with `makeRequest()`, every command the same way; ``FastPath`` makes the same request for
/// the common, valid command lines of the first six without argument-parser's start-up cost. Either way,
/// ``run()`` does the work. (`htpasswd` hands its arguments to ``ApacheCompat``; `completions` prints a script.)
enum Request: Equatable, Sendable {
    case create(CreateRequest)
    case add(AddRequest)
    case delete(DeleteRequest)
    case verify(VerifyRequest)
    case list(ListRequest)
    case hash(HashRequest)
    case check(CheckRequest)
    case apply(ApplyRequest)
    case export(ExportRequest)
    case recover(RecoverRequest)

    /// The subcommand that makes this request.
    var command: any (ParsableCommand & FileCommand).Type {
        switch self {
        case .create: Htpass.Create.self
        case .add: Htpass.Add.self
        case .delete: Htpass.Delete.self
        case .verify: Htpass.Verify.self
        case .list: Htpass.List.self
        case .hash: Htpass.Hash.self
        case .check: Htpass.Check.self
        case .apply: Htpass.Apply.self
        case .export: Htpass.Export.self
        case .recover: Htpass.Recover.self
        }
    }

    /// What the command does with its file.
    var fileUse: FileUse { command.fileUse }

    func run() throws {
        switch self {
        case .create(let request): try request.run()
        case .add(let request): try request.run()
        case .delete(let request): try request.run()
        case .verify(let request): try request.run()
        case .list(let request): try request.run()
        case .hash(let request): try request.run()
        case .check(let request): try request.run()
        case .apply(let request): try request.run()
        case .export(let request): try request.run()
        case .recover(let request): try request.run()
        }
    }
}

/// A subcommand that hands its work to a ``Request``: its `validate()` and `run()` both make one.
protocol RequestCommand: ParsableCommand {
    /// The request for the parsed options, after the rules on the plain values.
    ///
    /// - Throws: `ValidationError` for a rule broken.
    func makeRequest() throws -> Request
}

extension RequestCommand {
    func validate() throws {
        _ = try makeRequest()
    }

    func run() throws {
        try makeRequest().run()
    }
}

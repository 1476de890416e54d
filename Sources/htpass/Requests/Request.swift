import ArgumentParser

/// One run of htpass, with everything it needs: what either parser makes of the command line.
///
/// argument-parser's commands define the interface (help, completions, the man page, usage errors) and
/// make a request with `makeRequest()`; ``FastPath`` makes the same request for the common, valid command
/// lines without argument-parser's start-up cost. Either way, ``run()`` does the work.
enum Request: Equatable, Sendable {
    case create(CreateRequest)
    case add(AddRequest)
    case delete(DeleteRequest)
    case verify(VerifyRequest)
    case list(ListRequest)
    case hash(HashRequest)

    func run() throws {
        switch self {
        case .create(let request): try request.run()
        case .add(let request): try request.run()
        case .delete(let request): try request.run()
        case .verify(let request): try request.run()
        case .list(let request): try request.run()
        case .hash(let request): try request.run()
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

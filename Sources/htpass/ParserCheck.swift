#if DEBUG
    import Glibc

    /// Debug builds only: an assertion that ``FastPath`` and argument-parser make the same request.
    ///
    /// Every run whose command line takes the fast path is also parsed by argument-parser, and a
    /// disagreement stops the run with status 70, so the end-to-end tests check the two parsers on every
    /// command line they use. Tests/htpassTests/FastPathTests.swift compares them directly.
    enum ParserCheck {
        static func expectAgreement(_ request: Request, _ arguments: [String]) {
            let full = try? (Htpass.parseAsRoot(arguments) as? any RequestCommand)?.makeRequest()
            guard full != request else { return }
            Output.error(
                "internal error: the fast path made \(request) of \(arguments), argument-parser \(String(describing: full))"
            )
            Output.flush()
            exit(70)
        }
    }
#endif

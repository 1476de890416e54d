#if DEBUG
    #if canImport(Glibc)
        import Glibc
    #elseif canImport(Musl)
        import Musl
    #endif

    /// Debug builds only: checks that ``FastPath`` and argument-parser make the same request.
    ///
    /// Every run whose command line takes the fast path is also parsed by argument-parser, and a
    /// disagreement stops the run with status 70, so the end-to-end tests check the two parsers on every
    /// command line they use. `HTPASS_PARSER_CHECK=1` makes htpass read command lines from standard input
    /// instead (one per line, arguments separated by U+001F) and print, for each, one word: `fast` (both
    /// parsers agree), `mismatch`, `fallback` (argument-parser accepts what the fast path leaves to it) or
    /// `rejected` (argument-parser refuses it, or it asks for help or the version) — see
    /// Tests/htpassTests/FastPathTests.swift.
    enum ParserCheck {
        static func verdict(_ arguments: [String]) -> String {
            let full = try? (Htpass.parseAsRoot(arguments) as? any RequestCommand)?.makeRequest()
            guard let fast = FastPath.parse(arguments) else { return full == nil ? "rejected" : "fallback" }
            return fast == full ? "fast" : "mismatch"
        }

        static func expectAgreement(_ request: Request, _ arguments: [String]) {
            let full = try? (Htpass.parseAsRoot(arguments) as? any RequestCommand)?.makeRequest()
            guard full != request else { return }
            Output.error(
                "internal error: the fast path made \(request) of \(arguments), argument-parser \(String(describing: full))"
            )
            Output.flush()
            exit(70)
        }

        static func runIfAsked() {
            guard getenv("HTPASS_PARSER_CHECK") != nil else { return }
            while let line = readLine(strippingNewline: true) {
                let arguments =
                    line.isEmpty
                    ? [] : line.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
                Output.line(verdict(arguments))
            }
            Output.flush()
            exit(0)
        }
    }
#endif

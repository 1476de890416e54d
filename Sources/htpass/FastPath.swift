import HtpasswdCore

/// A parser for the common, valid command lines that skips argument-parser's start-up cost.
///
/// argument-parser stays the definition of the interface: this parser knows the subcommands and their
/// documented options (`--opt value`, `--opt=value`, `-a value`, `-l`, positionals between options), and
/// answers nil for anything else — help, `--version`, completion scripts, `--`, an unknown or repeated
/// option, a missing or extra argument, an empty value or one that starts with `-`, a value that does not
/// convert, a request that breaks a rule — so that `main` hands the command line to argument-parser, which
/// runs it or says what is wrong exactly as before. Values convert with the functions argument-parser
/// uses (`Int(_:)`, `Double(_:)`, `Algorithm(rawValue:)`, `FileMode(argument:)`) and the rules are the
/// same ones (on the plain values), so both parsers make the same ``Request`` of a valid command line.
enum FastPath {
    /// The request for `arguments` (without the program name), or nil to let argument-parser decide.
    static func parse(_ arguments: [String]) -> Request? {
        guard let command = arguments.first else { return nil }
        let rest = arguments.dropFirst()
        do {
            switch command {
            case "create": return try create(rest)
            case "add": return try add(rest)
            case "delete": return try delete(rest)
            case "verify": return try verify(rest)
            case "list": return try list(rest)
            case "hash": return try hash(rest)
            default: return nil
            }
        } catch {
            return nil
        }
    }

    /// The flags and the options with a value of each command the fast path takes, in long form (`-a`, `-l` and
    /// `-q` are mapped to theirs). OptionTableTests checks them against argument-parser's definitions.
    static func grammar(of command: String) -> (flags: [String], options: [String]) {
        switch command {
        case "create":
            (
                ["--force"] + passwordFlags + generationFlags + messageFlags,
                passwordOptions + generationOptions + hashingOptions + newFileOptions + editOptions
            )
        case "add":
            (
                ["--create", "--json"] + passwordFlags + generationFlags + messageFlags,
                passwordOptions + generationOptions + hashingOptions + newFileOptions + editOptions
            )
        case "delete": (["--missing-ok", "--json"] + messageFlags, editOptions)
        case "verify": (passwordFlags, passwordOptions + ["--as"])
        case "list": (["--long", "--json"], ["--target"])
        case "hash":
            (
                passwordFlags + generationFlags,
                passwordOptions + generationOptions + hashingOptions + ["--format", "--name"]
            )
        default: ([], [])
        }
    }

    /// The short options the fast path knows, with their long names.
    static let shortNames = [("-a", "--algorithm"), ("-l", "--long"), ("-q", "--quiet")]

    private static let passwordFlags = ["--stdin", "--allow-empty"]
    private static let passwordOptions = ["--password-file", "--password-env"]
    private static let generationFlags = ["--generate"]
    private static let generationOptions = ["--length"]
    private static let hashingOptions = ["--algorithm", "--cost", "--rounds", "--target"]
    private static let newFileOptions = ["--mode", "--group"]
    private static let editOptions = ["--lock-timeout", "--write-mode"]
    private static let messageFlags = ["--quiet"]

    private static func create(_ arguments: ArraySlice<String>) throws -> Request {
        let scan = try Scan(arguments, "create")
        guard (1...2).contains(scan.positionals.count) else { throw NotFast() }
        return .create(
            try CreateRequest(
                file: scan.positionals[0], user: scan.positionals.dropFirst().first, force: scan.has("--force"),
                password: try password(scan, generation: true), hashing: try hashing(scan),
                newFile: try newFile(scan), edit: try edit(scan), quiet: scan.has("--quiet")))
    }

    private static func add(_ arguments: ArraySlice<String>) throws -> Request {
        let scan = try Scan(arguments, "add")
        guard scan.positionals.count == 2 else { throw NotFast() }
        let password = try password(scan, generation: true)
        try AddRequest.check(json: scan.has("--json"), password: password)
        return .add(
            AddRequest(
                file: scan.positionals[0], user: scan.positionals[1], create: scan.has("--create"),
                password: password, hashing: try hashing(scan), newFile: try newFile(scan), edit: try edit(scan),
                quiet: scan.has("--quiet"), json: scan.has("--json")))
    }

    private static func delete(_ arguments: ArraySlice<String>) throws -> Request {
        let scan = try Scan(arguments, "delete")
        guard scan.positionals.count >= 2 else { throw NotFast() }
        return .delete(
            DeleteRequest(
                file: scan.positionals[0], users: Array(scan.positionals.dropFirst()),
                missingOk: scan.has("--missing-ok"), edit: try edit(scan), quiet: scan.has("--quiet"),
                json: scan.has("--json")))
    }

    private static func verify(_ arguments: ArraySlice<String>) throws -> Request {
        let scan = try Scan(arguments, "verify")
        guard scan.positionals.count == 2 else { throw NotFast() }
        let target = try scan.value("--as", TargetList.init(argument:))
        guard target.map({ $0.targets.count == 1 }) ?? true else { throw NotFast() }
        return .verify(
            VerifyRequest(
                file: scan.positionals[0], user: scan.positionals[1], password: try password(scan, generation: false),
                target: target?.targets.first))
    }

    private static func list(_ arguments: ArraySlice<String>) throws -> Request {
        let scan = try Scan(arguments, "list")
        guard scan.positionals.count == 1 else { throw NotFast() }
        return .list(
            try ListRequest(
                file: scan.positionals[0], long: scan.has("--long"), json: scan.has("--json"),
                targets: TargetChoice(targets: try scan.value("--target", TargetList.init(argument:))?.targets)))
    }

    private static func hash(_ arguments: ArraySlice<String>) throws -> Request {
        let scan = try Scan(arguments, "hash")
        guard scan.positionals.count <= 1 else { throw NotFast() }
        let format = try scan.value("--format", HashOutputFormat.init(rawValue:))?.text ?? .plain
        return .hash(
            try HashRequest(
                user: scan.positionals.first, password: try password(scan, generation: true),
                hashing: try hashing(scan), format: format, name: scan.value("--name")))
    }

    // MARK: The option groups

    private static func password(_ scan: Scan, generation: Bool) throws -> PasswordChoice {
        try PasswordChoice(
            stdin: scan.has("--stdin"), file: scan.value("--password-file"),
            environment: scan.value("--password-env"), generate: generation && scan.has("--generate"),
            length: generation ? try scan.value("--length") { Int($0) } : nil, allowEmpty: scan.has("--allow-empty"))
    }

    private static func hashing(_ scan: Scan) throws -> HashChoice {
        HashChoice(
            algorithm: try scan.value("--algorithm", Algorithm.init(rawValue:)),
            cost: try scan.value("--cost") { Int($0) }, rounds: try scan.value("--rounds") { Int($0) },
            targets: TargetChoice(targets: try scan.value("--target", TargetList.init(argument:))?.targets))
    }

    private static func newFile(_ scan: Scan) throws -> NewFileChoice {
        NewFileChoice(mode: try scan.value("--mode", FileMode.init(argument:)), group: scan.value("--group"))
    }

    private static func edit(_ scan: Scan) throws -> EditChoice {
        try EditChoice(
            lockTimeout: try scan.value("--lock-timeout") { Double($0) } ?? LockTimeout.defaultSeconds,
            writeMode: try scan.value("--write-mode", HtpasswdStore.WriteMode.init(rawValue:)))
    }

    /// Not for the fast path: argument-parser decides.
    private struct NotFast: Error {}

    /// The flags, option values and positional arguments of one subcommand's command line.
    private struct Scan {
        private(set) var positionals: [String] = []
        private var flags: [String] = []
        /// The options given and their values, at the same index: two arrays of String rather than one of
        /// tuples, whose metadata the runtime would build from its mangled name at start-up.
        private var valueNames: [String] = []
        private var values: [String] = []

        /// The long name of a short option (`-a`, `-l`); a switch rather than a dictionary, whose generic
        /// metadata would cost a scan of every protocol conformance at start-up.
        private static func longName(_ argument: String) -> String {
            switch argument {
            case "-a": "--algorithm"
            case "-l": "--long"
            case "-q": "--quiet"
            default: argument
            }
        }

        init(_ arguments: ArraySlice<String>, _ command: String) throws {
            let (flagNames, optionNames) = FastPath.grammar(of: command)
            var index = arguments.startIndex
            while index < arguments.endIndex {
                let argument = arguments[index]
                index += 1
                guard !argument.isEmpty else { throw NotFast() }
                guard argument.hasPrefix("-") else {
                    positionals.append(argument)
                    continue
                }
                var name = Self.longName(argument)
                var attached: String?
                if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                    name = String(argument[..<equals])
                    attached = String(argument[argument.index(after: equals)...])
                }
                if flagNames.contains(name) {
                    guard attached == nil, !flags.contains(name) else { throw NotFast() }
                    flags.append(name)
                } else if optionNames.contains(name) {
                    let value: String
                    if let attached {
                        value = attached
                    } else {
                        guard index < arguments.endIndex else { throw NotFast() }
                        value = arguments[index]
                        index += 1
                    }
                    guard !value.isEmpty, !value.hasPrefix("-"), !valueNames.contains(name) else {
                        throw NotFast()
                    }
                    valueNames.append(name)
                    values.append(value)
                } else {
                    throw NotFast()
                }
            }
        }

        func has(_ flag: String) -> Bool { flags.contains(flag) }

        func value(_ name: String) -> String? { valueNames.firstIndex(of: name).map { values[$0] } }

        /// The value of option `name` converted, nil without the option; throws when it does not convert.
        func value<T>(_ name: String, _ convert: (String) -> T?) throws -> T? {
            guard let text = value(name) else { return nil }
            guard let converted = convert(text) else { throw NotFast() }
            return converted
        }
    }
}

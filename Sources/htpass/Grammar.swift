import ArgumentParser

/// The command line as people write it, before and after argument-parser: the subcommands and their names
/// come from ``Htpass``'s configuration and the commands' own definitions, never from a list written here.
///
/// Before parsing, ``normalize(_:)`` accepts options written before the command (`htpass --target nginx
/// check FILE`, as kubectl does), a negative number after an option (`--lock-timeout -1`, which argument-parser
/// takes for an option), and refuses an unknown command with a suggestion. After a usage error,
/// ``usageMessage(for:message:arguments:)`` says what was meant where argument-parser's words mislead.
enum Grammar {
    /// The subcommands, as ``Htpass`` declares them.
    static var commands: [any ParsableCommand.Type] { Htpass.configuration.subcommands }

    /// The subcommand called `name`.
    static func command(named name: String?) -> (any ParsableCommand.Type)? {
        guard let name else { return nil }
        return commands.first { $0._commandName == name }
    }

    /// Every command's name, as a list for a sentence: `create, add, ... or htpasswd`.
    static var commandList: String {
        alternatives(commands.map { $0._commandName })
    }

    /// `names` as a list for a sentence: `a, b or c`.
    static func alternatives(_ names: [String]) -> String {
        guard let last = names.last else { return "" }
        return names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " or " + last
    }

    /// The root's own options, which stay before a command (`htpass --help`, `htpass --version`).
    private static let rootOptions: Set<String> = [
        "-h", "--help", "--version", "--generate-completion-script", "--experimental-dump-help",
    ]

    /// `arguments` as argument-parser reads them: options before the command moved after it, long options
    /// followed by a negative number joined to it (`--lock-timeout=-1`).
    ///
    /// - Throws: ``CommandError`` (usage) for an unknown command, or help about one.
    static func normalize(_ arguments: [String]) throws -> [String] {
        var arguments = joiningNegativeValues(arguments)
        guard let first = arguments.first else { return arguments }
        if first == "help", arguments.count > 1, command(named: arguments[1]) == nil {
            throw unknownCommand(arguments[1])
        }
        guard first.hasPrefix("-") else {
            if first != "help" && command(named: first) == nil { throw unknownCommand(first) }
            return arguments
        }
        // Options before the command: skip them (and the values of those that take one) to find it.
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-"), arguments[index] != "--" {
            if rootOptions.contains(arguments[index]) { return arguments }
            index += RawArguments.valueOptions.contains(arguments[index]) ? 2 : 1
        }
        guard index < arguments.count, arguments[index] != "--" else { return arguments }
        guard command(named: arguments[index]) != nil else { throw unknownCommand(arguments[index]) }
        let options = arguments[..<index]
        arguments.removeSubrange(..<index)
        arguments.insert(contentsOf: options, at: 1)
        RawArguments.commandIndex = index + 1
        return arguments
    }

    /// `--opt -1` as `--opt=-1`, for the long options that take a value: argument-parser reads `-1` as an
    /// option and says the value is missing, where the rule on the value (0 or more) is what to say.
    private static func joiningNegativeValues(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { return result + arguments[index...] }
            if argument.hasPrefix("--"), RawArguments.valueOptions.contains(argument), index + 1 < arguments.count,
                isNegativeNumber(arguments[index + 1])
            {
                result.append(argument + "=" + arguments[index + 1])
                index += 2
                continue
            }
            result.append(argument)
            index += 1
        }
        return result
    }

    private static func isNegativeNumber(_ text: String) -> Bool {
        let digits = text.dropFirst()
        return text.hasPrefix("-") && !digits.isEmpty && digits.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
    }

    /// `Unknown command 'lst'; did you mean 'list'?`, or the list of commands.
    private static func unknownCommand(_ name: String) -> CommandError {
        if let suggestion = suggestion(for: name) {
            return CommandError(.usage, "Unknown command '\(name)'; did you mean '\(suggestion)'? See 'htpass --help'")
        }
        return CommandError(.usage, "Unknown command '\(name)'; the commands are \(commandList); see 'htpass --help'")
    }

    /// The command whose name is closest to `name` (one that starts with it, or within two edits).
    static func suggestion(for name: String) -> String? {
        let names = commands.map { $0._commandName }
        if name.count >= 2, let prefixed = names.first(where: { $0.hasPrefix(name) }) { return prefixed }
        let scored = names.map { ($0, distance(Array(name), Array($0))) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// The Levenshtein distance between `a` and `b`.
    private static func distance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }

    // MARK: Help

    /// Whether `arguments` ask for the root's help (`htpass --help`, `-h`, `help`).
    static func asksForRootHelp(_ arguments: [String]) -> Bool {
        arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"]
    }

    /// The root's help with the usage and the commands first, then the overview and the options:
    /// argument-parser's own sections, reordered.
    static func rootHelp() -> String {
        var sections: [(title: String, lines: [Substring])] = []
        for line in Htpass.helpMessage().split(separator: "\n", omittingEmptySubsequences: false) {
            if let title = ["OVERVIEW:", "USAGE:", "OPTIONS:", "SUBCOMMANDS:"].first(where: { line.hasPrefix($0) }) {
                sections.append((title, [title == "SUBCOMMANDS:" ? "COMMANDS:" : line]))
            } else if sections.isEmpty {
                sections.append(("", [line]))
            } else {
                sections[sections.count - 1].lines.append(line)
            }
        }
        let order = ["USAGE:", "SUBCOMMANDS:", "OVERVIEW:", "OPTIONS:"]
        let sorted = sections.sorted { (order.firstIndex(of: $0.title) ?? 9) < (order.firstIndex(of: $1.title) ?? 9) }
        var text = ""
        for section in sorted {
            var lines = section.lines
            while let last = lines.last, last.allSatisfy({ $0 == " " }) { lines.removeLast() }
            text += lines.joined(separator: "\n") + "\n\n"
        }
        return String(text.dropLast())
    }

    // MARK: Usage errors

    /// The options of `type` as argument-parser's help lists them, from the command's own definitions: each
    /// with its names (`-a`, `--algorithm`) and whether it takes a value.
    static func definedOptions(of type: any ParsableCommand.Type) -> [(names: [String], takesValue: Bool)] {
        var options: [(names: [String], takesValue: Bool)] = []
        for line in type.helpMessage(columns: 10_000).split(separator: "\n") {
            let words = line.split(separator: " ")
            guard line.hasPrefix("  "), words.first?.hasPrefix("-") == true else { continue }
            var option = (names: [String](), takesValue: false)
            for word in words {
                guard word.hasPrefix("-") || word.hasPrefix("<") else { break }
                if word.hasPrefix("<") {
                    option.takesValue = true
                } else {
                    option.names.append(String(word.hasSuffix(",") ? word.dropLast() : word))
                }
            }
            options.append(option)
        }
        return options
    }

    /// Every name of every option of `type`, `-h` and `--help` included.
    static func options(of type: any ParsableCommand.Type) -> Set<String> {
        Set(definedOptions(of: type).flatMap(\.names) + ["-h", "--help"])
    }

    /// Whether `type` has an option spelled `option` (`--name` or `--name=value`).
    static func accepts(_ type: any ParsableCommand.Type, option: String) -> Bool {
        let name = option.hasPrefix("--") ? String(option.prefix { $0 != "=" }) : option
        return options(of: type).contains(name)
    }

    /// Apache htpasswd's flags, alone or bundled (`-b`, `-nbB`).
    private static func isApacheFlag(_ argument: String) -> Bool {
        argument.count >= 2 && argument.hasPrefix("-") && !argument.hasPrefix("--")
            && argument.dropFirst().allSatisfy { "bBcnm25sdDviCrpI".contains($0) }
    }

    /// argument-parser's message for a usage error, or what to say instead where it misleads.
    static func usageMessage(for error: any Error, message: String, arguments: [String]) -> String {
        guard let name = arguments.first, let type = command(named: name), type != Htpass.Htpasswd.self else {
            return message
        }
        let options = arguments.dropFirst().prefix { $0 != "--" }
        if type == Htpass.Hash.self, message.contains("'k8s-secret' is invalid") {
            return
                "--format k8s-secret makes a Secret of a whole file: use 'htpass export FILE --format k8s-secret --for CONSUMER'; hash prints plain, compose or dotenv"
        }
        if message.hasPrefix("Unknown option '") {
            let option = String(message.dropFirst("Unknown option '".count).prefix { $0 != "'" })
            let takesPasswords = accepts(type, option: "--stdin")
            let sources =
                "--stdin, --password-file PATH, --password-env NAME"
                + (accepts(type, option: "--generate") ? " or --generate" : "")
            if takesPasswords && ["--password", "--pass", "--passwd", "-p"].contains(option) {
                return
                    "Unknown option '\(option)': htpass never takes a password on the command line, where other users see it; use \(sources)"
            }
            if isApacheFlag(option) {
                return
                    "Unknown option '\(option)': that is Apache htpasswd's flag; 'htpass htpasswd \(option) ...' takes Apache's command lines"
                    + (takesPasswords ? ", and 'htpass \(name)' reads the password from \(sources)" : "")
            }
            let owners = commands.filter { $0 != type && $0 != Htpass.Htpasswd.self && accepts($0, option: option) }
            if !owners.isEmpty {
                let names = owners.map { "'htpass \($0._commandName)'" }.joined(separator: ", ")
                return "Unknown option '\(option)' for 'htpass \(name)'; it is an option of \(names)"
            }
            return
                "Unknown option '\(option)' for 'htpass \(name)'; to give a value that starts with '-' (a user name), put '--' before it"
        }
        if message.hasPrefix("Missing expected argument") {
            let unknown = options.filter { $0.hasPrefix("-") && $0.count > 1 && !accepts(type, option: $0) }
            if let option = unknown.first {
                let text = message.hasSuffix(".") ? String(message.dropLast()) : message
                return
                    "\(text): '\(option)' was read as an option; put '--' before values that start with '-' (htpass \(name) ... -- \(option))"
            }
        }
        return message
    }
}

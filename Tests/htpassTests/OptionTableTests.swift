import Testing

@testable import htpass

/// Issue 17: each option is defined once, by argument-parser's property wrappers. The tables that must
/// know the grammar without loading argument-parser (``FastPath``'s, ``RawArguments/valueOptions``) are
/// checked here against those definitions, as `htpass COMMAND --help` shows them.
@Suite("Option tables against argument-parser's definitions")
struct OptionTableTests {
    /// The flags and the options with a value of `command`, in long form, help and version left out.
    static func defined(_ command: String) throws -> (flags: Set<String>, options: Set<String>) {
        let type = try #require(Grammar.command(named: command))
        var flags: Set<String> = []
        var options: Set<String> = []
        for option in Grammar.definedOptions(of: type) {
            let long = try #require(option.names.first { $0.hasPrefix("--") }, "\(option.names)")
            guard long != "--help", long != "--version" else { continue }
            if option.takesValue { options.insert(long) } else { flags.insert(long) }
        }
        return (flags, options)
    }

    @Test(
        "The fast path knows exactly each command's options",
        arguments: ["create", "add", "delete", "verify", "list", "hash"])
    func fastPathTables(command: String) throws {
        let (flags, options) = try Self.defined(command)
        let fast = FastPath.grammar(of: command)
        #expect(Set(fast.flags) == flags, "\(command)")
        #expect(Set(fast.options) == options, "\(command)")
        #expect(fast.flags.count == Set(fast.flags).count && fast.options.count == Set(fast.options).count)
    }

    @Test("The fast path's short options are the definitions' short options")
    func shortOptions() throws {
        var shorts: Set<String> = []
        for command in ["create", "add", "delete", "verify", "list", "hash"] {
            let type = try #require(Grammar.command(named: command))
            for option in Grammar.definedOptions(of: type) where option.names.count == 2 {
                guard option.names[1] != "--help" else { continue }
                shorts.insert(option.names[0] + " " + option.names[1])
            }
        }
        #expect(shorts == Set(FastPath.shortNames.map { $0.0 + " " + $0.1 }))
    }

    @Test("RawArguments knows every option that takes a value, of every command")
    func rawArgumentsValueOptions() throws {
        var names: Set<String> = []
        for type in Grammar.commands where type != Htpass.Htpasswd.self {
            for option in Grammar.definedOptions(of: type) where option.takesValue {
                guard !option.names.contains("--generate-completion-script") else { continue }
                names.formUnion(option.names)
            }
        }
        #expect(names == Set(RawArguments.valueOptions))
    }

    @Test("Every subcommand appears in the top-level help and in bare htpass's list, from one list")
    func commandsDerived() {
        let names = Grammar.commands.map { $0._commandName }
        for name in names { #expect(Grammar.commandList.contains(name)) }
        #expect(Grammar.rootHelp().hasPrefix("USAGE:"))
        for name in names { #expect(Grammar.rootHelp().contains("\n  \(name) ")) }
    }
}

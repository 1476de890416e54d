import Testing

@testable import htpass

/// The fast path and argument-parser make the same request of every command line the fast path takes,
/// and the fast path leaves every command line argument-parser refuses to argument-parser.
@Suite("Fast path against argument-parser")
struct FastPathTests {
    /// `fast` (both parsers make the same request), `mismatch`, `fallback` (argument-parser accepts what the
    /// fast path leaves to it) or `rejected` (argument-parser refuses it, or it asks for help or the version).
    static func verdict(_ arguments: [String]) -> String {
        let full = try? (Htpass.parseAsRoot(arguments) as? any RequestCommand)?.makeRequest()
        guard let fast = FastPath.parse(arguments) else { return full == nil ? "rejected" : "fallback" }
        return fast == full ? "fast" : "mismatch"
    }

    static func verdicts(_ lists: [[String]]) -> [String] { lists.map(verdict) }

    static let fast: [[String]] = [
        ["hash", "-a", "apr1", "--password-env", "V", "alice"],
        ["hash", "--password-env=V", "-a", "sha512", "--rounds", "6000"],
        ["hash", "--algorithm=bcrypt", "--cost=12", "--stdin"],
        ["hash", "--generate", "--length", "32", "bob"],
        ["hash", "--cost", "99", "--stdin"],
        ["hash", "-a", "sha1", "--cost", "5", "--stdin"],
        ["hash", "--cost", "+5", "--stdin", "--allow-empty"],
        ["hash"],
        ["verify", "--password-env", "V", "FILE", "alice"],
        ["verify", "FILE", "--stdin", "alice", "--allow-empty"],
        ["verify", "FILE", "a:b", "--password-file", "pw.txt"],
        ["verify", "FILE", " bob", "--stdin"],
        ["verify", "FILE", "alice"],
        ["add", "FILE", "carol", "--stdin", "--cost", "4"],
        ["add", "--create", "--group", "www-data", "--generate", "FILE", "dave"],
        ["add", "FILE", "carol", "--stdin", "--mode", "0o600", "--lock-timeout", "0.5"],
        ["add", "FILE", "help", "--stdin"],
        ["add", "FILE", "carol", "--generate", "--length=1", "--mode=640", "--lock-timeout=0"],
        ["create", "FILE"],
        ["create", "--force", "--password-file", "pw.txt", "FILE", "alice"],
        ["create", "FILE", "alice", "-a", "yescrypt", "--group", "www-data", "--mode", "0644"],
        ["delete", "FILE", "alice", "bob", "--missing-ok"],
        ["delete", "--lock-timeout=3", "FILE", "alice"],
        ["delete", "FILE", "alice", "--lock-timeout", "1e1", "bob"],
        ["list", "FILE"],
        ["list", "-l", "FILE"],
        ["list", "--json", "FILE"],
        ["list", "FILE", "--long"],
        ["list", "--json", "FILE", "--target", "apache,nginx-alpine"],
        ["verify", "--as", "traefik", "FILE", "alice", "--stdin"],
        ["verify", "FILE", "alice", "--as=ingress-nginx", "--stdin"],
        ["add", "FILE", "carol", "--stdin", "--target", "nginx-alpine", "--write-mode", "in-place"],
        ["create", "FILE", "alice", "--stdin", "--write-mode=rename", "--target=envoy"],
        ["delete", "FILE", "alice", "--write-mode", "auto"],
        ["hash", "--stdin", "--format", "compose", "alice"], ["hash", "--stdin", "--format=dotenv"],
    ]

    static let rejected: [[String]] = [
        [], ["help"], ["help", "add"], ["--help"], ["-h"], ["--version"], ["add", "-h"], ["hash", "--help"],
        ["--generate-completion-script", "bash"], ["frobnicate", "FILE"],
        ["add", "FILE", "carol", "--stdin", "--bogus"],
        ["add", "FILE", "carol", "--stdin", "--password-env", "PW"],
        ["add", "FILE", "carol", "--stdin", "--password-file", "FILE"],
        ["add", "FILE", "carol", "--password-env", "PW", "--generate"],
        ["verify", "FILE", "alice", "--stdin", "--password-env", "PW"],
        ["add", "FILE", "--stdin"], ["add", "--stdin"], ["verify", "FILE", "--stdin"], ["delete", "FILE"],
        ["create", "--stdin"], ["create", "--stdin", "FILE"], ["create", "--generate", "FILE"], ["list"],
        ["add", "FILE", "carol", "--stdin", "--cost", "ten"], ["add", "FILE", "carol", "--stdin", "--cost"],
        ["add", "FILE", "carol", "--stdin", "-a", "sha512", "--rounds", "many"],
        ["add", "FILE", "carol", "--stdin", "-a", "md4"], ["hash", "--algorithm=APR1"],
        ["add", "FILE", "carol", "--generate", "--length", "long"],
        ["add", "FILE", "carol", "--generate", "--length", "0"],
        ["add", "FILE", "carol", "--stdin", "--length", "5"],
        ["verify", "FILE", "alice", "--generate"], ["verify", "FILE", "alice", "--length", "5"],
        ["verify", "FILE", "alice", "bob", "--stdin"], ["list", "FILE", "extra"], ["list", "--long", "--json", "F"],
        ["hash", "alice", "bob", "--stdin"], ["hash", "--stdin", "--generate"], ["hash", "-a"],
        ["hash", "--stdin=yes"], ["delete", "FILE", "alice", "--force"],
        ["add", "FILE", "carol", "--stdin", "--lock-timeout", "soon"],
        ["add", "FILE", "carol", "--stdin", "--lock-timeout", "-1"],
        ["add", "FILE", "carol", "--stdin", "--lock-timeout", "nan"],
        ["add", "FILE", "carol", "--stdin", "--lock-timeout", "inf"],
        ["add", "FILE", "carol", "--stdin", "--mode", "999"], ["add", "FILE", "carol", "--stdin", "--mode", "0o"],
        ["add", "FILE", "carol", "--stdin", "--mode", "4755"],
        ["add", "FILE", "carol", "--stdin", "--target", "iis"], ["add", "FILE", "carol", "--stdin", "--target", ""],
        ["verify", "--as", "nginx,apache", "FILE", "alice"], ["verify", "--as", "iis", "FILE", "alice"],
        ["delete", "FILE", "alice", "--write-mode", "copy"], ["hash", "--stdin", "--format", "k8s-secret"],
        ["hash", "--stdin", "--format", "yaml"], ["list", "FILE", "--target", "nginx,,apache"],
    ]

    @Test("Hand-picked valid command lines take the fast path, with argument-parser's request")
    func handPickedValid() throws {
        let verdicts = Self.verdicts(Self.fast)
        try #require(verdicts.count == Self.fast.count)
        for (list, verdict) in zip(Self.fast, verdicts) { #expect(verdict == "fast", "\(list)") }
    }

    @Test("Hand-picked invalid command lines are left to argument-parser")
    func handPickedInvalid() throws {
        let verdicts = Self.verdicts(Self.rejected)
        try #require(verdicts.count == Self.rejected.count)
        for (list, verdict) in zip(Self.rejected, verdicts) { #expect(verdict == "rejected", "\(list)") }
    }

    @Test("Generated command lines: never a different request; a clean valid line takes the fast path")
    func generated() throws {
        var generator = CommandLineGenerator(seed: 0x5EED_F00D)
        let cases = (0..<400).map { _ in generator.next() }
        let verdicts = Self.verdicts(cases.map(\.arguments))
        try #require(verdicts.count == cases.count)
        var counts: [String: Int] = [:]
        for (generated, verdict) in zip(cases, verdicts) {
            counts[verdict, default: 0] += 1
            #expect(verdict != "mismatch", "\(generated.arguments)")
            if generated.clean { #expect(verdict != "fallback", "\(generated.arguments)") }
        }
        // The generator makes both kinds in numbers.
        #expect(counts["fast", default: 0] > 80, "\(counts)")
        #expect(counts["rejected", default: 0] > 80, "\(counts)")
    }
}

/// Random command lines: a subcommand, some of its options (and sometimes another's) with valid and invalid
/// values, in either spelling, and 0 to 3 positional arguments, shuffled.
struct CommandLineGenerator {
    /// `clean`: no repeated option, no value that is empty or starts with `-`, no `-a=` spelling; for such
    /// a line the fast path must answer exactly when argument-parser accepts it.
    struct Generated {
        var arguments: [String]
        var clean: Bool
    }

    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// SplitMix64.
    private mutating func random(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }

    private mutating func pick<T>(_ items: [T]) -> T { items[random(items.count)] }

    /// Values that convert, then values that do not (or that only argument-parser takes).
    static let integers = (
        valid: ["4", "10", "12", "5000", "+7", "0"], invalid: ["ten", "1.5", "99999999999999999999", "", "-3"]
    )
    static let seconds = (valid: ["0", "0.5", "10", "1e3", ".5"], invalid: ["-1", "nan", "inf", "soon", ""])
    static let algorithms = (
        valid: ["bcrypt", "sha512", "sha256", "yescrypt", "apr1", "sha1", "des"], invalid: ["md4", "APR1", ""]
    )
    static let modes = (valid: ["640", "0640", "0o600", "777"], invalid: ["8", "4755", "77777", "0o", "", "-1"])
    static let strings = (valid: ["PW", "pw.txt", "www-data", "a=b", "help"], invalid: ["-x", ""])
    static let targets = (
        valid: ["nginx", "nginx-alpine", "apache,traefik", "ingress-nginx", "envoy"], invalid: ["iis", "nginx,", ""]
    )
    static let writeModes = (valid: ["auto", "rename", "in-place"], invalid: ["copy", "", "in_place"])
    static let formats = (valid: ["plain", "compose", "dotenv"], invalid: ["k8s-secret", "yaml", ""])
    static let positionals = ["FILE", "alice", "bob", "b:ob", " carol", "help"]
    /// How many positional arguments each command takes.
    static let positionalCounts = [
        "create": [1, 2], "add": [2], "delete": [2, 3], "verify": [2], "list": [1], "hash": [0, 1],
    ]

    static let flags: [String: [String]] = [
        "create": ["--force", "--stdin", "--allow-empty", "--generate"],
        "add": ["--create", "--stdin", "--allow-empty", "--generate"],
        "delete": ["--missing-ok"],
        "verify": ["--stdin", "--allow-empty"],
        "list": ["--long", "-l", "--json"],
        "hash": ["--stdin", "--allow-empty", "--generate"],
    ]
    static let passwordOptions = ["--password-file", "--password-env"]
    static let hashingOptions = ["--algorithm", "-a", "--cost", "--rounds", "--target"]
    static let editOptions = ["--lock-timeout", "--write-mode"]
    static let options: [String: [String]] = [
        "create": passwordOptions + ["--length"] + hashingOptions + ["--mode", "--group"] + editOptions,
        "add": passwordOptions + ["--length"] + hashingOptions + ["--mode", "--group"] + editOptions,
        "delete": editOptions,
        "verify": passwordOptions + ["--as"],
        "list": ["--target"],
        "hash": passwordOptions + ["--length"] + hashingOptions + ["--format"],
    ]
    static let everyOption = Set(options.values.joined()).sorted()
    static let everyFlag = Set(flags.values.joined()).sorted()

    mutating func value(for option: String) -> String {
        let pool =
            switch option {
            case "--cost", "--rounds", "--length": Self.integers
            case "--lock-timeout": Self.seconds
            case "--algorithm", "-a": Self.algorithms
            case "--mode": Self.modes
            case "--target", "--as": Self.targets
            case "--write-mode": Self.writeModes
            case "--format": Self.formats
            default: Self.strings
            }
        return random(5) == 0 ? pick(pool.invalid) : pick(pool.valid)
    }

    mutating func next() -> Generated {
        let command = pick(["create", "add", "delete", "verify", "list", "hash"])
        var clean = true
        var words: [[String]] = []
        var used = Set<String>()
        func canonical(_ name: String) -> String { name == "-a" ? "--algorithm" : name == "-l" ? "--long" : name }
        let ownFlags = Self.flags[command]!
        let ownOptions = Self.options[command]!
        for _ in 0..<random(4) {
            let flag = random(10) == 0 ? pick(Self.everyFlag) : ownFlags.isEmpty ? "--json" : pick(ownFlags)
            if !used.insert(canonical(flag)).inserted { clean = false }
            words.append([flag])
        }
        for _ in 0..<random(4) {
            let option = random(10) == 0 || ownOptions.isEmpty ? pick(Self.everyOption) : pick(ownOptions)
            let value = value(for: option)
            if !used.insert(canonical(option)).inserted || value.isEmpty || value.hasPrefix("-") { clean = false }
            if option.hasPrefix("--") && random(3) == 0 {
                words.append([option + "=" + value])
            } else {
                words.append([option, value])
            }
        }
        let count = random(4) == 0 ? random(4) : pick(Self.positionalCounts[command]!)
        for _ in 0..<count { words.append([pick(Self.positionals)]) }
        // Shuffle the words, keeping each option next to its value.
        for index in words.indices.reversed() where index > 0 { words.swapAt(index, random(index + 1)) }
        return Generated(arguments: [command] + words.joined(), clean: clean)
    }
}

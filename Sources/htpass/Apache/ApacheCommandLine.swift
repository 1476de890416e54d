import HtpasswdCore

/// Apache htpasswd's command line, read the way htpasswd 2.4 reads it: APR's `apr_getopt` over the option
/// string `cnmspdBbDi25C:r:v`, then htpasswd.c's `check_args` (one mode, argument counts, name lengths).
///
/// apr_getopt's rules, which differ from GNU getopt's: options stop at the first argument that does not start
/// with `-`; `-` alone is an argument; any argument that starts with `--` ends the options and is dropped
/// (`--help` too); flags bundle (`-Bbn`); `-C` and `-r` take the rest of their argument (`-C4`) or the next
/// argument (`-C 4`), even one that starts with `-`. Every flag may be repeated; the last algorithm and the last
/// of `-b`/`-i` win, and `-C` and `-r` set the same number (bcrypt's cost, or SHA-2's rounds).
struct ApacheCommandLine: Equatable, Sendable {
    /// What the run does: `-c`, `-n`, `-D`, `-v`, or nothing (add or update a user in an existing file).
    enum Mode: Equatable, Sendable {
        case update, create, display, delete, verify
    }

    /// `-m` (the default), `-B`, `-2`, `-5`, `-d`, `-s`, `-p`.
    enum Algorithm: Equatable, Sendable {
        case md5, bcrypt, sha256, sha512, crypt, sha1, plain
    }

    /// Where the password comes from: `-b` (the argument after the user), `-i`, or a prompt.
    enum PasswordSource: Equatable, Sendable {
        case prompt, argument, standardInput
    }

    var mode = Mode.update
    var algorithm = Algorithm.md5
    /// `-C N` or `-r N`: the bcrypt cost, or the SHA-256/SHA-512 rounds; nil when not given.
    var cost: Int?
    var passwordSource = PasswordSource.prompt
    /// The file, except with `-n`.
    var file: [UInt8]?
    var user: [UInt8] = []
    /// The password given with `-b`.
    var password: [UInt8]?
    /// How many times `-p` appeared: Apache warns each time, whatever algorithm wins.
    var plainFlags = 0

    /// The longest password htpass accepts on the command line or standard input (Apache: 255 bytes).
    static let passwordLimit = 4096
    /// The longest user name, as Apache's buffers allow: htpass's own limit.
    static let userLimit = UserName.maximumLength
    /// The longest file name Apache accepts (`APR_PATH_MAX - 1`).
    static let fileNameLimit = 4095

    /// Why a command line was refused; ``ApacheCompat`` prints the message.
    enum Problem: Error, Equatable {
        /// An option letter htpasswd does not know (`illegal option -- x`), then the usage.
        case illegalOption(UInt8)
        /// `-C` or `-r` as the last argument (`option requires an argument -- C`), then the usage.
        case missingArgument(UInt8)
        /// The value of `-C` or `-r` is not a positive decimal integer.
        case badCost
        /// Wrong number of arguments for the mode, or an argument that starts with `--` where options end:
        /// the usage alone.
        case usage
        /// `-n` given twice with an argument count that matches Apache's arithmetic: Apache reads past the
        /// end of `argv` and crashes (SIGSEGV); htpass prints the usage.
        case repeatedDisplayFlag
        /// More than one of `-c`, `-n`, `-v`, `-D`.
        case modeConflict
        case fileNameTooLong
        case userTooLong
        case userContainsColon
        case passwordTooLong
    }

    /// Parses `arguments` (without the program name).
    ///
    /// - Parameter plainWarning: Called each time `-p` is read, when Apache prints its warning.
    static func parse(_ arguments: [[UInt8]], plainWarning: () -> Void = {}) throws(Problem) -> ApacheCommandLine {
        var result = ApacheCommandLine()
        var modes: UInt8 = 0  // a bit for each of -c, -n, -D, -v, as htpasswd.c keeps them
        var displayFlags = 0
        var index = 0
        var place: ArraySlice<UInt8> = []  // the rest of a bundle of flags being read
        let dash = UInt8(ascii: "-")

        options: while true {
            if place.isEmpty {
                guard index < arguments.count, arguments[index].first == dash else { break options }
                let argument = arguments[index]
                if argument.count > 1 && argument[1] == dash {
                    index += 1  // "--", or anything that starts with it, ends the options
                    break options
                }
                place = argument.count > 1 ? argument[1...] : argument[...]
            }
            let letter = place.removeFirst()
            switch letter {
            case UInt8(ascii: "-"):
                // A bare "-" (apr_getopt's "assume it means -1"): the options end and it stays an argument; so
                // does the rest of a bundle such as "-b-".
                place = []
                break options
            case UInt8(ascii: "c"): modes |= 1
            case UInt8(ascii: "n"):
                modes |= 2
                displayFlags += 1
            case UInt8(ascii: "D"): modes |= 4
            case UInt8(ascii: "v"): modes |= 8
            case UInt8(ascii: "b"): result.passwordSource = .argument
            case UInt8(ascii: "i"): result.passwordSource = .standardInput
            case UInt8(ascii: "m"): result.algorithm = .md5
            case UInt8(ascii: "B"): result.algorithm = .bcrypt
            case UInt8(ascii: "2"): result.algorithm = .sha256
            case UInt8(ascii: "5"): result.algorithm = .sha512
            case UInt8(ascii: "d"): result.algorithm = .crypt
            case UInt8(ascii: "s"): result.algorithm = .sha1
            case UInt8(ascii: "p"):
                result.algorithm = .plain
                result.plainFlags += 1
                plainWarning()
            case UInt8(ascii: "C"), UInt8(ascii: "r"):
                let value: ArraySlice<UInt8>
                if !place.isEmpty {
                    value = place
                } else {
                    index += 1
                    guard index < arguments.count else { throw .missingArgument(letter) }
                    value = arguments[index][...]
                }
                place = []
                result.cost = try positiveInteger(value)
            default:
                throw .illegalOption(letter)
            }
            if place.isEmpty { index += 1 }
        }

        let rest = Array(arguments[index...])
        let expected = 2 - displayFlags + (result.passwordSource == .argument ? 1 : 0)
        if modes & (modes &- 1) != 0 { throw .modeConflict }
        guard rest.count == expected else { throw .usage }
        if displayFlags > 1 { throw .repeatedDisplayFlag }
        result.mode =
            switch modes {
            case 1: .create
            case 2: .display
            case 4: .delete
            case 8: .verify
            default: .update
            }

        var position = 0
        if result.mode != .display {
            guard rest[0].count <= fileNameLimit else { throw .fileNameTooLong }
            result.file = rest[0]
            position = 1
        }
        result.user = rest[position]
        guard result.user.count <= userLimit else { throw .userTooLong }
        guard !result.user.contains(UInt8(ascii: ":")) else { throw .userContainsColon }
        if result.passwordSource == .argument {
            let password = rest[position + 1]
            guard password.count <= passwordLimit else { throw .passwordTooLong }
            result.password = password
        }
        return result
    }

    /// `strtol(value, &end, 10)` with nothing after the number, and more than 0; Apache's rule for `-C`/`-r`.
    private static func positiveInteger(_ value: ArraySlice<UInt8>) throws(Problem) -> Int {
        var digits = value.drop { $0 == 0x20 || (0x09...0x0D).contains($0) }
        var negative = false
        if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { throw .badCost }
        var number = 0
        for digit in digits {
            // Saturate as strtol does (LONG_MAX); any such value is out of every range anyway.
            let (times, overflow1) = number.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(digit - 0x30))
            number = overflow1 || overflow2 ? Int.max : sum
        }
        guard !negative, number > 0 else { throw .badCost }
        return number
    }
}

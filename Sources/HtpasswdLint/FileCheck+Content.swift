import HtpasswdCore
import SystemPackage

/// The content: every line as each server reads it, in constant memory.
extension FileCheck {
    func checkContent(_ report: (Finding) -> Void) throws(HtpasswdError) {
        let size = try store.contentSize()
        // Pass 1: which names may be listed twice (as htpass and nginx read names, and as each target does).
        var own = DuplicateFilter(fileSize: size)
        var perTarget = targets.map { _ in DuplicateFilter(fileSize: size) }
        try store.scan { line in
            if line.kind == .entry { own.noteInFirstPass(line.user) }
            for (index, target) in targets.enumerated() {
                if case .entry(let user, _) = target.profile.reading.read(line.content, terminator: line.terminator) {
                    perTarget[index].noteInFirstPass(UnsafeBufferPointer(rebasing: line.content[user]))
                }
            }
        }
        // Pass 2, only when a target uses the last line of a user listed twice: how many lines those have.
        let lastWins = targets.indices.filter { targets[$0].profile.reading.duplicates == .lastWins }
        if lastWins.contains(where: { perTarget[$0].trackedNames > 0 }) {
            try store.scan { line in
                for index in lastWins {
                    guard
                        case .entry(let user, _) = targets[index].profile.reading.read(
                            line.content, terminator: line.terminator)
                    else { continue }
                    perTarget[index].countInSecondPass(UnsafeBufferPointer(rebasing: line.content[user]))
                }
            }
        }

        // Pass 3: the findings, line by line.
        var state = targets.map { _ in TargetState() }
        var ownSeen = own
        var summary = (crlf: 0, lf: 0, last: LineTerminator.lf, sawBOM: false)
        try store.scan { line in
            summary.last = line.terminator
            if line.terminator == .crlf { summary.crlf += 1 } else if line.terminator == .lf { summary.lf += 1 }
            if line.number == 1, line.content.starts(with: [0xEF, 0xBB, 0xBF]) {
                summary.sawBOM = true
                report(
                    Finding(
                        line: 1, user: Self.intendedEntry(line.content)?.user, severity: .error, id: .byteOrderMark,
                        target: nil,
                        message:
                            "The file starts with a UTF-8 byte-order mark, which becomes part of the first user's name for every server"
                    ))
            }
            checkLine(line, ownDuplicates: &ownSeen, state: &state, perTarget: &perTarget, report)
        }
        if summary.crlf > 0 {
            report(
                Finding(
                    line: nil, user: nil, severity: .warning, id: .crlf, target: nil,
                    message:
                        "\(summary.crlf) line\(summary.crlf == 1 ? "" : "s") end\(summary.crlf == 1 ? "s" : "") with CRLF: \(Self.carriageReturnFacts)"
                ))
        }
        if summary.last == .none {
            report(
                Finding(
                    line: nil, user: nil, severity: .warning, id: .missingFinalNewline, target: nil,
                    message:
                        "The last line has no newline: the next tool that appends ('echo >>', Apache's htpasswd) glues its line onto it"
                ))
        }
    }

    /// What one target has seen so far.
    struct TargetState {
        /// The line where it stopped reading, if it did.
        var stoppedAt: Int?
        /// Whether it refuses the file (reported once).
        var refused = false
    }

    func checkLine(
        _ line: ScannedLine, ownDuplicates: inout DuplicateFilter, state: inout [TargetState],
        perTarget: inout [DuplicateFilter], _ report: (Finding) -> Void
    ) {
        let number = line.number
        func entry(
            _ id: FindingID, _ severity: Finding.Severity, _ user: [UInt8]?, _ target: Target?, _ message: String
        ) {
            report(Finding(line: number, user: user, severity: severity, id: id, target: target, message: message))
        }

        // As htpass (and nginx) reads the line.
        switch line.kind {
        case .entry:
            let user = Array(line.user)
            let ownHash = Array(line.hash)
            let shown = String(displaying: user)
            let format = HashFormat(ownHash)
            switch format {
            case .failureToken:
                entry(
                    .failureToken, .error, user, nil,
                    "The entry of '\(shown)' is a crypt failure token ('\(String(displaying: ownHash))'): no password matches"
                )
            case .unknown:
                entry(
                    .unknownFormat, .error, user, nil,
                    "The hash of '\(shown)' has no known format (a password in clear?): no server lets this user in"
                )
            default:
                if format.isWeak {
                    entry(
                        .weakFormat, .warning, user, nil,
                        "The hash of '\(shown)' is \(format.name), cheap to crack from a leaked file"
                    )
                }
            }
            if ownDuplicates.isLaterLine(line.user) {
                entry(
                    .duplicateUser, .warning, user, nil,
                    "'\(shown)' is listed again: \(Self.duplicateFacts)"
                )
            }
            if line.content.count > HtpasswdFile.apacheRecordLimit {
                entry(
                    .longRecord, .warning, user, nil,
                    "The record of '\(shown)' is \(line.content.count) bytes: Apache's htpasswd cannot edit a file with a line of \(HtpasswdFile.apacheRecordLimit + 1) bytes or more"
                )
            }
            if let problem = UserName.problem(with: user), problem != .empty {
                entry(
                    .nameNotPortable, .warning, user, nil,
                    "The name '\(shown)' is not portable: \(Self.portability(problem))")
            }
        case .malformed(let reason):
            entry(
                .malformedLine, .warning, nil, nil,
                "Line \(number) is not an entry (\(reason.explanation)): \(Self.readings(of: line))"
            )
        case .comment, .blank:
            if line.content.count > HtpasswdFile.apacheRecordLimit {
                entry(
                    .longRecord, .warning, nil, nil,
                    "Line \(number) is \(line.content.count) bytes: Apache's htpasswd cannot edit a file with a line of \(HtpasswdFile.apacheRecordLimit + 1) bytes or more"
                )
            }
        }

        // As each target reads it, against the entry the line's writer most likely meant: the line
        // without white space around it, the name and the hash without white space around them.
        let intended = Self.intendedEntry(line.content)
        for (index, target) in targets.enumerated() {
            let profile = target.profile
            let reading = profile.reading
            if let stop = state[index].stoppedAt {
                if let intended {
                    report(
                        Finding(
                            line: number, user: intended.user, severity: .error, id: .lineNotRead, target: target,
                            message:
                                "\(target.displayName) stops reading at line \(stop): '\(String(displaying: intended.user))' gets 401",
                            stoppedAt: stop))
                }
                continue
            }
            switch reading.read(line.content, terminator: line.terminator) {
            case .stopsReading:
                state[index].stoppedAt = number
                report(
                    Finding(
                        line: number, user: intended?.user, severity: .error, id: .lineNotRead, target: target,
                        message:
                            "\(target.displayName) stops reading the file at this \(line.content.count)-byte line: the users from here on get 401",
                        stoppedAt: number))
            case .refusesFile(let reason):
                report(
                    Finding(
                        line: number, user: nil, severity: .error, id: .fileRefused, target: target,
                        message:
                            "\(target.displayName) refuses the whole file because of \(reason): every user gets 401 (or 400/404)",
                        refusal: reason))
            case .ignored:
                if let intended {
                    let why = intended.user.isEmpty ? "never lets an empty user name in" : "skips this line"
                    entry(
                        .lineNotRead, .error, intended.user, target,
                        "\(target.displayName) \(why): '\(String(displaying: intended.user))' gets 401")
                }
            case .entry(let userRange, let hashRange):
                let bytes = reading.lineBytes(line.content, terminator: line.terminator)
                let user = Array(bytes[userRange])
                var hash = Array(bytes[hashRange])
                let shown = String(displaying: user)
                if user.isEmpty {
                    entry(
                        .emptyUser, .warning, user, target,
                        "\(target.displayName) takes this line for a user with an empty name")
                }
                // Which line of a user the target uses.
                let name = UnsafeBufferPointer(rebasing: line.content[userRange])
                let later = perTarget[index].isLaterLine(name)
                var used = true
                switch reading.duplicates {
                case .firstWins: used = !later
                case .lastWins: used = perTarget[index].isLastLine(name)
                case .refusesFile:
                    if later {
                        report(
                            Finding(
                                line: number, user: nil, severity: .error, id: .fileRefused, target: target,
                                message:
                                    "\(target.displayName) refuses the whole file because '\(shown)' is listed twice: every user gets 401",
                                refusal: .duplicateUser))
                        used = false
                    }
                }
                if let intended, user != intended.user {
                    entry(
                        .nameReadDifferently, .error, intended.user, target,
                        "\(target.displayName) reads the user '\(String(displaying: intended.user))' as '\(shown)' (white space around it counts): '\(String(displaying: intended.user))' gets 401"
                    )
                    continue
                }
                guard used else { continue }
                hash = reading.verifiedHash(hash)
                if let intended, hash != reading.verifiedHash(intended.hash) {
                    // `{PLAIN}` is the password itself: white space after it is part of the password.
                    if HashFormat(hash) == .plain, hash.starts(with: intended.hash),
                        hash[intended.hash.count...].allSatisfy({ $0 == 0x20 || (0x09...0x0D).contains($0) })
                    {
                        entry(
                            .hashReadDifferently, .warning, user, target,
                            "\(target.displayName) reads the white space after the {PLAIN} password of '\(shown)' as part of it: a client must send it too"
                        )
                    } else {
                        entry(
                            .hashReadDifferently, .error, user, target,
                            "\(target.displayName) reads the hash of '\(shown)' as '\(String(displaying: hash))': '\(shown)' gets 401"
                        )
                        continue
                    }
                }
                let format = HashFormat(hash)
                // Failure tokens and unknown formats are reported once, for every server, above.
                guard format.isVerifiable, let refusal = profile.refusal(for: format) else { continue }
                let id: FindingID =
                    switch refusal {
                    case .format: .formatNotVerified
                    case .bcryptCost: .bcryptCostTooHigh
                    case .bcryptVariant: .bcryptPrefixNotVerified
                    case .shaRounds: .roundsTooHigh
                    case .passwordLength: .formatNotVerified
                    }
                entry(
                    id, .error, user, target,
                    "\(target.displayName) cannot verify \(refusal): '\(shown)' gets 401"
                )
            }
        }
    }
}

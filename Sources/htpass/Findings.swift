import HtpasswdCore
import HtpasswdLint
import HtpasswdVerifier

/// How the findings of ``FileCheck`` are printed: the library says what is wrong, the command adds what to do
/// about it with htpass and the usual tools.
enum Findings {
    /// `FILE:LINE: error: message [id]`, or `FILE: ...` without a line.
    static func text(_ finding: FileCheck.Finding, file: String, targets: [Target]) -> String {
        let place = finding.line.map { "\(file):\($0)" } ?? file
        return
            "\(place): \(finding.severity.rawValue): \(Output.oneLine(message(finding, targets: targets, file: file))) [\(finding.id.rawValue)]"
    }

    /// The library's message (what is wrong), and what to do about it, for a check for `targets` of `file`.
    static func message(_ finding: FileCheck.Finding, targets: [Target], file: String = "FILE") -> String {
        finding.message + (advice(finding, targets: targets, file: file).map { "; " + $0 } ?? "")
    }

    /// What to do about `finding` in `file` (its path as given), if there is something to say.
    static func advice(_ finding: FileCheck.Finding, targets: [Target], file: String = "FILE") -> String? {
        let add = "htpass add" + targetOption(finding.target.map { [$0] } ?? targets)
        switch finding.id {
        case .notFound:
            return "create it with 'htpass create'"
        case .isDirectory:
            return "remove the directory and create the file in its place ('htpass create')"
        case .notRegularFile:
            return "give the path of an htpasswd file"
        case .notReadableByWorker:
            let group = finding.target?.profile.workers.first.map(groupArgument(for:)) ?? "GROUP"
            if let directory = finding.blockingDirectory {
                let path = Advice.shellWord(directory.display)
                return
                    "let them through that directory: run 'chmod o+x \(path)', or 'chgrp \(group) \(path) && chmod g+x \(path)' to let only their group through"
            }
            let path = Advice.shellWord(file)
            return
                "give the file to their group: run 'chgrp \(group) \(path) && chmod g+r \(path)' ('htpass create --group \(group)' does it for a new file)"
        case .worldWritable:
            return "run 'chmod o-w' on it"
        case .worldReadable:
            return "prefer mode 0640 with the group of the server's workers"
        case .writableDirectory:
            return "run 'chmod go-w' on that directory"
        case .singleFileBindMount, .hardLinks:
            return "htpass writes it in place; mounting the directory instead keeps edits atomic"
        case .staleBindMount:
            return "restart that container"
        case .untrustedJournal:
            return "inspect it, then remove it; if its owner really edited the file, run 'htpass recover' as that user"
        case .formatNotVerified, .bcryptCostTooHigh, .bcryptPrefixNotVerified, .roundsTooHigh:
            return "set the password again with '\(add)'"
        case .failureToken, .unknownFormat:
            return "set a password with '\(add)'"
        case .weakFormat:
            return weakFormatAdvice(targets: targets)
        case .duplicateUser:
            return "'htpass add' of that user keeps the first line and removes the others"
        case .nameReadDifferently:
            return "remove the white space"
        case .hashReadDifferently:
            return "remove what surrounds the hash"
        case .lineNotRead:
            guard let stop = finding.stoppedAt else { return nil }
            return stop == finding.line ? "shorten or remove this line" : "shorten or remove line \(stop)"
        case .emptyUser:
            return "remove the line"
        case .fileRefused:
            switch finding.refusal {
            case .duplicateUser?: return "'htpass add' of that user keeps its first line and removes the others"
            case .hashNotAccepted?: return "set that user's password again with '\(add)'"
            case .lineTooLong?: return "shorten or remove the line"
            default: return "fix or remove the line"
            }
        case .byteOrderMark:
            return "save the file without one"
        case .crlf:
            return "prefer LF"
        case .missingFinalNewline:
            return "any htpass edit adds it"
        case .changedDuringCheck:
            return "run the check again"
        case .nameNotPortable:
            return "give the user a plain name ('htpass add' under the new name, 'htpass delete' of this one)"
        case .longRecord, .malformedLine:
            return nil
        }
    }

    /// A weak hash: the strongest format every target verifies, or that there is none stronger.
    private static func weakFormatAdvice(targets: [Target]) -> String? {
        guard let strongest = Target.strongestAlgorithm(verifiedByAll: targets) else { return nil }
        guard !strongest.isWeak else {
            let names = Target.displayNames(targets)
            return "\(names) \(targets.count == 1 ? "verifies" : "verify") no stronger format"
        }
        return "set a new password with 'htpass add\(targetOption(targets))' (\(strongest.rawValue))"
    }

    /// ` --target a,b`, or nothing for the default target alone.
    private static func targetOption(_ targets: [Target]) -> String {
        targets.isEmpty || targets == [.default] ? "" : " --target " + targets.map(\.rawValue).joined(separator: ",")
    }

    /// The group of `account` for chgrp and --group: its name where this system's group of that name has
    /// the same id, else the number.
    static func groupArgument(for account: WorkerAccount) -> String {
        if let name = account.name, SystemGroup.id(named: name) == account.gid { return name }
        return String(account.gid)
    }

    /// `{"line": N|null, "user": NAME|null, "severity": ..., "id": ..., "target": T|null, "message": ...}`.
    static func json(_ finding: FileCheck.Finding, targets: [Target], file: String) {
        Output.write("{\"line\":" as StaticString)
        if let line = finding.line { Output.write(String(line)) } else { Output.write("null" as StaticString) }
        Output.write(",\"user\":" as StaticString)
        if let user = finding.user {
            if !JSON.write(user) {
                Output.write(",\"user_base64\":\"" + Base64.encode(user) + "\"")
            }
        } else {
            Output.write("null" as StaticString)
        }
        Output.write(
            ",\"severity\":\"" + finding.severity.rawValue + "\",\"id\":\"" + finding.id.rawValue + "\",\"target\":")
        if let target = finding.target {
            Output.write("\"" + target.rawValue + "\"")
        } else {
            Output.write("null" as StaticString)
        }
        Output.write(",\"message\":" as StaticString)
        JSON.write(Array(message(finding, targets: targets, file: file).utf8))
        Output.write("}" as StaticString)
    }
}

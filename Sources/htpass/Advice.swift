import ArgumentParser
import Glibc
import HtpasswdCore

/// What the command adds to a library error: the next step, in terms of its own options.
enum Advice {
    /// The message for `error`: what happened (from the library), then what to do, for a command that uses
    /// its file as `use` says.
    static func message(for error: HtpasswdError, use: FileUse = .edit) -> String {
        let advice: String? =
            switch error {
            case .fileSystem(let failure): fileSystem(failure, use: use)
            case .ownerNotKept: "run htpass as the file's owner or as root"
            case .lockTimeout(_, _, let holder?):
                "wait for process \(holder.processID) to finish, stop it if it hangs, or raise --lock-timeout"
            case .lockTimeout: "try again, or raise --lock-timeout"
            case .unsafePath(_, let at, .unsafeTransition(let fromOwner, _)):
                "run htpass as user \(fromOwner), or give '\(at.display)' to that user (chown); root does not follow another user's path to a third user's file"
            case .unsafePath(_, let at, .protectedSymlink):
                "give the real path of the file instead of the link '\(at.display)', or move the file out of the shared directory"
            case .invalidUserName(let problem): userName(problem)
            case .userNotFound: "check the name with 'htpass list', or pass '--missing-ok'"
            case .changedSinceRead: "run the command again"
            case .interruptedEditElsewhere:
                "run 'htpass recover' on the file where that journal is (inside the container, under the file's path there) to finish the edit; if that place is gone for good, remove the mark with 'setfattr -x user.htpass.journal FILE' and check the file with 'htpass check'"
            case .untrustedJournal(_, let journal, let owner):
                "if user \(owner) really edited the file, run 'htpass recover' as that user; otherwise inspect and remove '\(journal.display)'"
            case .editPending(let path, _, _), .interruptedEditNotFinished(let path, _, _):
                "free space or fix that error, then run: htpass recover \(shellWord(path.display))"
            case .invalidPassword(.empty): "pass --allow-empty if that is really wanted"
            case .invalidPassword(.tooLong): "use a shorter password or another algorithm (-a sha512)"
            case .invalidPassword(.containsNUL): "remove it"
            case .invalidHashParameter(.costOutOfRange): "use --cost 4 to 31 (default 10)"
            case .invalidHashParameter(.roundsOutOfRange): "use --rounds 1000 to 999999999 (default 5000)"
            case .invalidHashParameter(.notApplicable): "use --cost with bcrypt, --rounds with sha256 or sha512"
            case .notVerifiable(let target, .passwordLength):
                "use a shorter password, or another algorithm \(target.displayName) verifies"
            case .notVerifiable(let target, _):
                "leave out -a, --cost and --rounds to get the strongest format \(target.displayName) verifies ("
                    + (Target.strongestAlgorithm(verifiedByAll: [target])?.rawValue ?? "none") + ")"
            case .hashingFailed(_, let errno) where errno == .outOfRange:
                "use a shorter password"
            default: nil
            }
        return error.description + (advice.map { "; " + $0 } ?? "")
    }

    /// What to do about a failure of the file system, for a command that uses its file as `use` says.
    static func fileSystem(_ failure: FileSystemError, use: FileUse) -> String? {
        switch failure.code {
        case .notFound where use == .editOrCreate: return "use '--create' to make it, or 'htpass create'"
        case .notFound: return "check the path; 'htpass create' makes a new file"
        case .fileExists: return "use 'htpass add' to change it, or '--force' to replace it"
        case .notRegularFile: return "give the path of an htpasswd file"
        default: break
        }
        guard let errno = failure.errno else { return nil }
        switch (failure.systemCall, errno) {
        case (_, .readOnlyFileSystem):
            return "the file system is read-only here; edit the file where it is writable"
        case (_, .permissionDenied), (_, .notPermitted):
            return use == .read
                ? "run htpass as a user who may read the file and search the directories above it"
                : "run htpass as a user who may write the file and its directory"
        case (.rename, .resourceBusy):
            return "the file is a mount point; use --write-mode in-place"
        case (.open, _) where errno.rawValue == ESTALE:
            return "another program replaced the file during the edit; run the command again"
        case (.readAttribute, .badMessage):
            return "a later version of htpass left an in-place edit unfinished: run 'htpass recover' of that version"
        case (.lock, .badFileDescriptor), (.lock, .noLocks):
            return "the file system does not support locks (NFS?); keep the file on a local file system"
        default:
            return nil
        }
    }

    /// What to do about a refused user name, after the library's statement of it.
    static func userName(_ problem: UserName.Problem) -> String {
        switch problem {
        case .empty: "give a name of 1 to \(UserName.maximumLength) bytes"
        case .tooLong: "use at most \(UserName.maximumLength)"
        case .containsColon, .startsWithHash: "choose another name"
        case .containsControlCharacter, .leadingSpace, .trailingSpace: "remove it"
        }
    }

    /// `text` as one word for a POSIX shell: as it is when it holds only characters no shell treats
    /// specially, else in single quotes.
    static func shellWord(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy {
            $0.isASCII
                && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "/._-+,=:@%".unicodeScalars.contains($0))
        }
        if plain && !text.isEmpty { return text }
        var quoted = "'"
        for character in text { quoted += character == "'" ? "'\\''" : String(character) }
        return quoted + "'"
    }
}

import HtpasswdCore
import HtpasswdReconciler
import HtpasswdVerifier
import SystemPackage
import Testing

@testable import htpass

/// The one place where the libraries' errors become statuses and messages: the library states the facts,
/// the command adds what to do, in terms of its own options.
@Suite("Error mapping")
struct ErrorMappingTests {
    @Test(
        "A refused user name: the library's facts, then the command's advice",
        arguments: [
            (UserName.Problem.empty, "it is empty; give a name of 1 to 255 bytes"),
            (.tooLong(length: 300), "it is 300 bytes; use at most 255"),
            (.containsColon, "it contains ':', which ends the name in the file; choose another name"),
            (.containsControlCharacter(byte: 0x7F), "it contains the control character 0x7F; remove it"),
            (.startsWithHash, "it starts with '#', which makes the line a comment; choose another name"),
            (.leadingSpace, "it starts with a space, which Apache trims and nginx keeps; remove it"),
            (.trailingSpace, "it ends with a space, which Apache trims and nginx keeps; remove it"),
        ])
    func userName(problem: UserName.Problem, message: String) {
        #expect(!problem.description.contains(";"))
        #expect(Advice.message(for: .invalidUserName(problem)) == "Invalid user name: " + message)
        #expect(ExitStatus(for: .invalidUserName(problem)) == .rejectedInput)
        let spec = DesiredUser.SpecError(line: 3, problem: .invalidUserName(problem))
        #expect(
            ApplyRequest.message(for: spec, hashed: false)
                == "SPEC line 3: invalid user name: \(message); nothing was written")
        let apache = ApacheMessages(program: Array("htpasswd".utf8)).userRefused(problem)
        #expect(
            String(decoding: apache, as: UTF8.self)
                == "htpasswd: username refused: \(message) (servers would not read it back as written)\n")
    }

    @Test(
        "A refused cost or rounds: the library's facts, then the command's options (status 5, or 2 for a misplaced option)",
        arguments: [
            (
                PasswordHasher.ParameterProblem.costOutOfRange(3), Int32(5),
                "bcrypt cost 3 is out of range (4 to 31); use --cost 4 to 31 (default 10)"
            ),
            (
                .roundsOutOfRange(999), 5,
                "SHA-crypt rounds 999 is out of range (1000 to 999999999); use --rounds 1000 to 999999999 (default 5000)"
            ),
            (
                .notApplicable(.cost, algorithm: .sha512), 2,
                "A cost does not apply to sha512; use --cost with bcrypt, --rounds with sha256 or sha512"
            ),
        ])
    func hashParameter(problem: PasswordHasher.ParameterProblem, status: Int32, message: String) {
        #expect(!problem.description.contains("--") && !problem.description.contains(";"))
        #expect(HtpasswdError.invalidHashParameter(problem).description == problem.description)
        #expect(Advice.message(for: .invalidHashParameter(problem)) == message)
        #expect(ExitStatus(for: .invalidHashParameter(problem)).rawValue == status)
    }

    @Test("A file-system failure: the library's facts, then advice that depends on the system call, errno and use")
    func fileSystem() {
        let path: FilePath = "/srv/htpasswd"
        let cases: [(FileSystemError, FileUse, String)] = [
            (
                FileSystemError(.notFound, path: path), .editOrCreate,
                "No such file '/srv/htpasswd'; use '--create' to make it, or 'htpass create'"
            ),
            (
                FileSystemError(.notFound, path: path), .read,
                "No such file '/srv/htpasswd'; check the path; 'htpass create' makes a new file"
            ),
            (
                FileSystemError(.fileExists, path: path), .edit,
                "File '/srv/htpasswd' already exists; use 'htpass add' to change it, or '--force' to replace it"
            ),
            (
                FileSystemError(.notRegularFile, path: path), .read,
                "'/srv/htpasswd' is not a regular file; give the path of an htpasswd file"
            ),
            (
                .systemCallFailed(.open, path: path, errno: .permissionDenied), .read,
                "Cannot open '/srv/htpasswd': Permission denied; run htpass as a user who may read the file and search the directories above it"
            ),
            (
                .systemCallFailed(.rename, path: path, errno: .notPermitted), .edit,
                "Cannot rename a file over '/srv/htpasswd': Operation not permitted; run htpass as a user who may write the file and its directory"
            ),
            (
                .systemCallFailed(.write, path: path, errno: .readOnlyFileSystem), .edit,
                "Cannot write '/srv/htpasswd': Read-only file system; the file system is read-only here; edit the file where it is writable"
            ),
            (
                .systemCallFailed(.rename, path: path, errno: .resourceBusy), .edit,
                "Cannot rename a file over '/srv/htpasswd': Device or resource busy; the file is a mount point; use --write-mode in-place"
            ),
            (
                .systemCallFailed(.open, path: path, errno: .staleNFSFileHandle), .edit,
                "Cannot open '/srv/htpasswd': Stale file handle; another program replaced the file during the edit; run the command again"
            ),
            (
                .systemCallFailed(.readAttribute, path: path, errno: .badMessage), .edit,
                "Cannot read the extended attributes of '/srv/htpasswd': Bad message; a later version of htpass left an in-place edit unfinished: run 'htpass recover' of that version"
            ),
            (
                .systemCallFailed(.lock, path: path, errno: .noLocks), .edit,
                "Cannot lock '/srv/htpasswd': No locks available; the file system does not support locks (NFS?); keep the file on a local file system"
            ),
            (
                .systemCallFailed(.write, path: path, errno: .noSpace), .edit,
                "Cannot write '/srv/htpasswd': No space left on device"
            ),
        ]
        for (failure, use, message) in cases {
            #expect(!failure.description.contains("--") && !failure.description.contains("htpass "))
            #expect(Advice.message(for: .fileSystem(failure), use: use) == message)
            #expect(ExitStatus(for: .fileSystem(failure)) == .fileProblem)
        }
    }
}

import HtpasswdCore
import HtpasswdReconciler
import HtpasswdVerifier
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
}

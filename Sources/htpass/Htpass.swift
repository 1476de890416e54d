import ArgumentParser
import HtpasswdCore
import HtpasswdVerifier

@main
struct Htpass: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "htpass", abstract: "Manage htpasswd files.")
    func run() throws {
        for a in Algorithm.allCases where a != .des {
            let h = try PasswordHasher(algorithm: a).hash(Array("myPassword".utf8))
            print(a, h)
        }
        print(Verifier().verify(Array("myPassword".utf8), against: Array("$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/".utf8)))
        print(Verifier().verify(Array("myPassword".utf8), against: Array("{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=".utf8)))
        print(try? PasswordHasher(algorithm: .sha512, rounds: 10000).hash([65]))
    }
}

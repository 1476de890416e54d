import HtpasswdCore

/// `htpass hash [USER]`.
struct HashRequest: Equatable, Sendable {
    var user: String?
    var password: PasswordChoice
    var hashing: HashChoice

    func run() throws {
        let name = try user.map { user throws(HtpasswdError) in try UserName(RawArguments.bytes(of: [user])[0]) }
        let new = try NewPassword(for: name, password, hashing)
        let hash = new.hash
        new.secret.printIfGenerated()
        if let name {
            Warnings.recordLength(name.bytes.count + 1 + hash.utf8.count, for: name)
            Output.line(name.bytes + [UInt8(ascii: ":")] + Array(hash.utf8))
        } else {
            Output.line(hash)
        }
    }
}

import HtpasswdCore

/// `htpass hash [USER]`.
struct HashRequest: Equatable, Sendable {
    var user: String?
    var password: PasswordChoice
    var hashing: HashChoice
    var format: TextFormat = .plain

    func run() throws {
        let name = try user.map { user throws(HtpasswdError) in try UserName(RawArguments.bytes(of: [user])[0]) }
        let new = try NewPassword(for: name, password, hashing)
        let hash = new.hash.bytes
        new.secret.printIfGenerated()
        if let name {
            Warnings.recordLength(name.bytes.count + 1 + hash.count, for: name)
            Output.line(try format.escape(name.bytes + [UInt8(ascii: ":")] + hash))
        } else {
            Output.line(try format.escape(hash))
        }
    }
}

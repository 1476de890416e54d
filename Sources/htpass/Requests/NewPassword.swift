import ArgumentParser
import Glibc
import HtpasswdCore
import SystemPackage

/// A password being set (create, add, hash): read from its source and hashed, before any file is locked,
/// so that bcrypt's time is not spent holding the lock.
struct NewPassword {
    let secret: Password
    let hash: PasswordHash

    init(for user: UserName?, _ password: PasswordChoice, _ hashing: HashChoice) throws {
        let (hasher, targets) = try hashing.hasher()
        secret = try password.read(for: .set(user, hasher: hasher))
        // Also refuses a password a target cannot take (musl's SHA-crypt stops at 256 bytes).
        hash = try hasher.hash(secret.bytes, verifiableBy: targets)
    }
}

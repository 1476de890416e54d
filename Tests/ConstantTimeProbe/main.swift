import Glibc
import HtpasswdVerifier

/// `ConstantTimeProbe MODE LENGTH ROUNDS`: compares two LENGTH-byte arrays ROUNDS times with
/// `ConstantTime.equal` and prints how many compared equal. MODE says where the second differs from the first:
/// `equal` (nowhere), `first` (its first byte), `last` (its last byte), `all` (every byte).
///
/// Tests/HtpasswdVerifierTests/TimingTests.swift counts the instructions inside `equal` under valgrind for each
/// mode: they must be the same, as a comparison that stops at the first difference would not be.
let arguments = CommandLine.arguments
guard arguments.count == 4, let length = Int(arguments[2]), length > 0, let rounds = Int(arguments[3]) else {
    print("usage: ConstantTimeProbe equal|first|last|all LENGTH ROUNDS")
    exit(2)
}
let secret = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
// Every mode makes `guess` the same way (a copy, changed in place): an array made otherwise (by `map`) costs
// `equal` a few instructions more or less whatever its bytes.
var guess = secret
switch arguments[1] {
case "equal": guess[0] ^= 0  // a copy too
case "first": guess[0] ^= 0x55
case "last": guess[length - 1] ^= 0x55
case "all": for index in guess.indices { guess[index] ^= 0x55 }
default:
    print("unknown mode \(arguments[1])")
    exit(2)
}
var matches = 0
for _ in 0..<rounds where ConstantTime.equal(secret, guess) { matches += 1 }
print(matches)

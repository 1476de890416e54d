// Times apr1-MD5 (our Swift code) against libxcrypt's md5crypt `$1$` (the same 1000 MD5 rounds, in C), in one
// run, through the public API only: `Verifier.verify` against an `$apr1$` and a `$1$` hash with the same password
// and salt, and `PasswordHasher(algorithm: .apr1).hash`, which adds a fresh salt from getentropy(3).
//
//     swift run -c release --package-path Benchmarks hash-timing [iterations] [--max-ratio R]
//
// Exits 1 when the apr1/md5crypt ratio is above R (default 1.5).
import HtpasswdCore
import HtpasswdVerifier

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

let password = Array("myPassword".utf8)
// openssl passwd -apr1 -salt abcdefgh myPassword / openssl passwd -1 -salt abcdefgh myPassword
let apr1Hash = Array("$apr1$abcdefgh$EfExgQSMBXioDhIVk8IOb1".utf8)
let md5cryptHash = Array("$1$abcdefgh$W/8r1SWbVzbnNV3h1/PUK1".utf8)

var arguments = CommandLine.arguments.dropFirst()
var iterations = 2000
var maxRatio = 1.5
while let argument = arguments.popFirst() {
    if argument == "--max-ratio", let value = arguments.popFirst().flatMap(Double.init) {
        maxRatio = value
    } else if let value = Int(argument), value > 0 {
        iterations = value
    } else {
        print("usage: hash-timing [iterations] [--max-ratio R]")
        exit(2)
    }
}

let verifier = Verifier()
let hasher = try PasswordHasher(algorithm: .apr1)
guard verifier.verify(password, against: apr1Hash) == .match,
    verifier.verify(password, against: md5cryptHash) == .match
else {
    print("hash-timing: the reference hashes do not verify; the code under test is broken")
    exit(1)
}

/// The best (lowest) mean over `rounds` batches, in milliseconds per call: the least disturbed by other load.
func measure(_ iterations: Int, rounds: Int = 5, _ body: () -> Bool) -> Double {
    var best = Double.infinity
    var sink = 0
    let clock = ContinuousClock()
    for _ in 0..<rounds {
        let elapsed = clock.measure {
            for _ in 0..<iterations where body() { sink &+= 1 }
        }
        let (seconds, attoseconds) = elapsed.components
        let ms = (Double(seconds) * 1e3 + Double(attoseconds) / 1e15) / Double(iterations)
        best = min(best, ms)
    }
    precondition(sink >= 0)
    return best
}

// Warm up both paths, then interleave so that both see the same machine.
_ = measure(iterations, rounds: 1) { verifier.verify(password, against: apr1Hash) == .match }
_ = measure(iterations, rounds: 1) { verifier.verify(password, against: md5cryptHash) == .match }
var apr1 = Double.infinity
var md5crypt = Double.infinity
for _ in 0..<3 {
    apr1 = min(apr1, measure(iterations) { verifier.verify(password, against: apr1Hash) == .match })
    md5crypt = min(md5crypt, measure(iterations) { verifier.verify(password, against: md5cryptHash) == .match })
}
let generate = measure(iterations) { (try? hasher.hash(password)) != nil }
let ratio = apr1 / md5crypt

func format(_ value: Double) -> String {
    let scaled = Int((value * 10_000).rounded())
    let fraction = String(scaled % 10_000)
    return "\(scaled / 10_000).\(String(repeating: "0", count: 4 - fraction.count))\(fraction)"
}
print("iterations per batch:              \(iterations)")
print("Verifier \u{24}apr1\u{24} (Swift MD5):       \(format(apr1)) ms/hash")
print("Verifier \u{24}1\u{24} (libxcrypt crypt_rn): \(format(md5crypt)) ms/hash")
print("PasswordHasher(.apr1).hash:        \(format(generate)) ms/hash (includes a getentropy salt)")
print("ratio apr1 / md5crypt:             \(format(ratio)) (limit \(format(maxRatio)))")
exit(ratio <= maxRatio ? 0 : 1)

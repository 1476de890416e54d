// apr1-MD5 (Swift) and libxcrypt's md5crypt `$1$` (C) do the same 1000 MD5 rounds; compare their rows.
//
//     swift package --package-path Benchmarks benchmark --target HashBenchmarks
import Benchmark
import HtpasswdCore
import HtpasswdVerifier

let benchmarks: @Sendable () -> Void = {
    let password = Array("myPassword".utf8)
    // openssl passwd -apr1 -salt abcdefgh myPassword / openssl passwd -1 -salt abcdefgh myPassword
    let apr1Hash = Array("$apr1$abcdefgh$EfExgQSMBXioDhIVk8IOb1".utf8)
    let md5cryptHash = Array("$1$abcdefgh$W/8r1SWbVzbnNV3h1/PUK1".utf8)
    let verifier = Verifier()

    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        maxDuration: .seconds(2),
        maxIterations: 5_000
    )

    Benchmark("Verifier apr1 (Swift MD5)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(verifier.verify(password, against: apr1Hash))
        }
    }
    Benchmark("Verifier md5crypt (libxcrypt crypt_rn)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(verifier.verify(password, against: md5cryptHash))
        }
    }
    Benchmark("PasswordHasher apr1 hash (with salt)") { benchmark in
        let hasher = try PasswordHasher(algorithm: .apr1)
        for _ in benchmark.scaledIterations {
            blackHole(try hasher.hash(password))
        }
    }
}

// swift-tools-version: 6.1
// Benchmarks for htpass, kept in a nested package so that the main build stays fast.
//
//     swift run -c release --package-path Benchmarks hash-timing        # apr1 vs libxcrypt $1$, with the ratio
//     swift package --package-path Benchmarks benchmark                  # the same through ordo-one/benchmark
import PackageDescription

let package = Package(
    name: "htpass-benchmarks",
    dependencies: [
        .package(name: "htpass", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // A plain timing executable: prints milliseconds per hash for apr1 and md5crypt, and their ratio.
        .executableTarget(
            name: "hash-timing",
            dependencies: [
                .product(name: "HtpasswdCore", package: "htpass"),
                .product(name: "HtpasswdVerifier", package: "htpass"),
            ],
            path: "Sources/HashTiming"
        ),
        // ordo-one/benchmark suites, run by `swift package benchmark`.
        .executableTarget(
            name: "HashBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "HtpasswdCore", package: "htpass"),
                .product(name: "HtpasswdVerifier", package: "htpass"),
            ],
            path: "Benchmarks/HashBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "htpass",
    products: [
        .executable(name: "htpass", targets: ["htpass"]),
        .library(name: "HtpasswdCore", targets: ["HtpasswdCore"]),
        .library(name: "HtpasswdVerifier", targets: ["HtpasswdVerifier"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // Libraries
        .systemLibrary(name: "CCrypt", pkgConfig: "libxcrypt", providers: [.apt(["libcrypt-dev"])]),
        .target(name: "HtpasswdCore", dependencies: ["CCrypt"]),
        .target(name: "HtpasswdVerifier", dependencies: ["HtpasswdCore", "CCrypt"]),

        // Executable
        .executableTarget(
            name: "htpass",
            dependencies: [
                "HtpasswdCore",
                "HtpasswdVerifier",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Tests
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // A small executable over HtpasswdCore, for the tests that need real processes (concurrency, SIGKILL).
        .executableTarget(name: "StoreTool", dependencies: ["HtpasswdCore"], path: "Tests/StoreTool"),
        .testTarget(
            name: "HtpasswdCoreTests",
            dependencies: [
                "HtpasswdCore", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "HtpasswdVerifierTests",
            dependencies: [
                "HtpasswdVerifier", "HtpasswdCore", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "htpassTests",
            dependencies: ["htpass", "HtpasswdCore", "HtpasswdVerifier", "TestSupport"]
        ),
        // The real servers (nginx, nginx on musl, Apache, lighttpd, Traefik, the registry) against htpass's
        // targets: slow, run on their own by `make test-consumers` (scripts/install-server-deps.sh first).
        .testTarget(name: "ConsumerTests", dependencies: ["TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

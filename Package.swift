// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "htpass",
    products: [
        .executable(name: "htpass", targets: ["htpass"]),
        .executable(name: "htpass-serve", targets: ["htpass-serve"]),
        .library(name: "HtpasswdCore", targets: ["HtpasswdCore"]),
        .library(name: "HtpasswdVerifier", targets: ["HtpasswdVerifier"]),
        .library(name: "HtpasswdLint", targets: ["HtpasswdLint"]),
        .library(name: "HtpasswdReconciler", targets: ["HtpasswdReconciler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // `make docs`: the DocC catalogs of the libraries (swift package generate-documentation).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
        // htpass-serve only (the htpass product links neither): HTTP/1 from Hummingbird 2, without its default
        // traits (swift-configuration and full Foundation are not needed).
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Already in Hummingbird's graph: htpass-serve's event-loop handler sees Hummingbird's HTTP parts.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // Libraries
        .systemLibrary(name: "CCrypt", pkgConfig: "libxcrypt", providers: [.apt(["libcrypt-dev"])]),
        // statx(2) and copy_file_range(2), which Glibc's Swift module does not declare.
        .target(name: "CLinux"),
        // Multi-buffer MD5 (SSE2, AVX2, AVX-512F lanes, chosen at run time): apr1's 1000 rounds for many
        // passwords at once, for htpass apply (see Sources/CMultiMD5/include/CMultiMD5.h).
        .target(name: "CMultiMD5"),
        .target(
            name: "HtpasswdCore",
            dependencies: ["CCrypt", "CLinux", "CMultiMD5", .product(name: "SystemPackage", package: "swift-system")]),
        // The libraries, each one job, each depending only on those above it:
        // HtpasswdCore: the file model, its locked atomic store, the hashes, the servers' profiles.
        // HtpasswdVerifier: checking credentials (Verifier, Authenticator and its index for servers).
        .target(
            name: "HtpasswdVerifier",
            dependencies: ["HtpasswdCore", .product(name: "SystemPackage", package: "swift-system")]),
        // HtpasswdLint: a file and its path held against the servers that read it (FileCheck, EntryReport).
        .target(
            name: "HtpasswdLint",
            dependencies: ["HtpasswdCore", .product(name: "SystemPackage", package: "swift-system")]),
        // HtpasswdReconciler: a file brought to a desired list of users in one locked edit (Reconciler).
        .target(
            name: "HtpasswdReconciler",
            dependencies: [
                "HtpasswdCore", "HtpasswdVerifier", .product(name: "SystemPackage", package: "swift-system"),
            ]),
        // A constructor that lets the static executable run without /proc (see Sources/CStartup/startup.c).
        .target(name: "CStartup"),

        // Executable
        .executableTarget(
            name: "htpass",
            dependencies: [
                "HtpasswdCore",
                "HtpasswdVerifier",
                "HtpasswdLint",
                "HtpasswdReconciler",
                "CStartup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // `htpass serve`: the authorization service that reverse proxies ask (nginx auth_request, Caddy
        // forward_auth). An executable of its own, so that htpass neither links SwiftNIO nor starts slower.
        .executableTarget(
            name: "htpass-serve",
            dependencies: [
                "HtpasswdCore",
                "HtpasswdVerifier",
                "CStartup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),

        // Tests
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // A small executable over HtpasswdCore, for the tests that need real processes (concurrency, SIGKILL).
        .executableTarget(name: "StoreTool", dependencies: ["HtpasswdCore"], path: "Tests/StoreTool"),
        // ConstantTime.equal in a loop, for the test that counts its instructions under valgrind.
        .executableTarget(
            name: "ConstantTimeProbe", dependencies: ["HtpasswdVerifier"], path: "Tests/ConstantTimeProbe"),
        .testTarget(
            name: "HtpasswdCoreTests",
            dependencies: [
                "HtpasswdCore", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "HtpasswdVerifierTests",
            dependencies: [
                "HtpasswdVerifier", "HtpasswdCore", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "HtpasswdLintTests",
            dependencies: [
                "HtpasswdLint", "HtpasswdVerifier", "HtpasswdCore", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "htpassTests",
            dependencies: [
                "htpass", "HtpasswdCore", "HtpasswdVerifier", "HtpasswdLint", "HtpasswdReconciler", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The libraries as another package uses them: public API only, never @testable.
        .testTarget(
            name: "LibraryAPITests",
            dependencies: [
                "HtpasswdCore", "HtpasswdVerifier", "HtpasswdLint", "HtpasswdReconciler", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The artifacts of make dist/deb/oci, installed and run as users get them (make test-packaging).
        .testTarget(name: "PackagingTests", dependencies: ["TestSupport"]),
        // Apache's htpasswd against the built `htpass htpasswd`, run as processes on copies of the same files.
        .testTarget(name: "ApacheCompatTests", dependencies: ["TestSupport"]),
        // The real servers (nginx, nginx on musl, Apache, lighttpd, Traefik, the registry) against htpass's
        // targets: slow, run on their own by `make test-consumers` (scripts/install-server-deps.sh first).
        .testTarget(name: "ConsumerTests", dependencies: ["TestSupport"]),
        // The examples (examples/ansible, examples/pipelines) run as users run them: ansible-playbook, sh.
        .testTarget(name: "ExamplesTests", dependencies: ["TestSupport"]),
        // Issue 16: an unprivileged user against root's htpass (planted links, lock races, forged journals),
        // run as processes with setpriv; needs root.
        .testTarget(name: "SecurityTests", dependencies: ["TestSupport"]),
        // htpass-serve as a process on 127.0.0.1, asked with curl, and behind real nginx (auth_request) and
        // Caddy (forward_auth); the file edited meanwhile with the htpass binary.
        .testTarget(name: "ServeTests", dependencies: ["TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

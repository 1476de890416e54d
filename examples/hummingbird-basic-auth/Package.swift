// swift-tools-version: 6.1
// A Hummingbird 2 server whose routes are protected by an htpasswd file, through htpass's HtpasswdVerifier.
// A separate package, as an application of yours would be: it depends on htpass by path.
import PackageDescription

let package = Package(
    name: "hummingbird-basic-auth",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "HtpasswdBasicAuth", targets: ["HtpasswdBasicAuth"]),
        .executable(name: "hummingbird-basic-auth", targets: ["hummingbird-basic-auth"]),
    ],
    dependencies: [
        // The name makes the product references below work whatever the checkout's directory is called.
        .package(name: "htpass", path: "../.."),
        // No default traits: swift-configuration and full Foundation are not needed here.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // The middleware: Basic credentials checked against an htpasswd file, as nginx would.
        .target(
            name: "HtpasswdBasicAuth",
            dependencies: [
                .product(name: "HtpasswdVerifier", package: "htpass"),
                .product(name: "HtpasswdCore", package: "htpass"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The server: `hummingbird-basic-auth HTPASSWD [--host H] [--port N] [--realm R]`.
        .executableTarget(
            name: "hummingbird-basic-auth",
            dependencies: [
                "HtpasswdBasicAuth",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
            ]
        ),
        // Starts the server as a process on 127.0.0.1 and talks to it with curl; edits with the htpass binary.
        .testTarget(
            name: "HummingbirdBasicAuthTests",
            dependencies: ["hummingbird-basic-auth"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

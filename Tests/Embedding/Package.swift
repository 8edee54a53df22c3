// swift-tools-version:6.1
// A package outside Podium that depends on it by version, as another project would: scripts/test-embedding copies
// this folder next to a clone of the repository tagged EMBEDDING_VERSION, fills in the clone's URL and runs its
// test, which starts, uses and stops an in-process server. It is not part of Podium's own package.
import PackageDescription

let package = Package(
    name: "PodiumEmbedding",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "PODIUM_URL", exact: "EMBEDDING_VERSION"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .testTarget(
            name: "EmbeddingTests",
            dependencies: [
                .product(name: "PodiumServer", package: "podium"),
                .product(name: "Logging", package: "swift-log"),
            ]
        )
    ]
)

// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    // No unsafe flags: SwiftPM refuses them in a package that others depend on by version (scripts/test-embedding
    // checks that). The class properties on the command path whose dynamic exclusivity checks showed in profiles are
    // marked `@exclusivity(unchecked)` instead.
]

let package = Package(
    name: "Podium",
    platforms: [.macOS(.v14)],
    products: [
        // The server and its configuration: what a program that runs Podium in-process imports.
        .library(name: "PodiumServer", targets: ["PodiumServer", "PodiumConfig"]),
        .executable(name: "podium-server", targets: ["PodiumServerMain"]),
        .executable(name: "podium-check-aof", targets: ["PodiumCheckAOF"]),
        .executable(name: "podium-check-rdb", targets: ["PodiumCheckRDB"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        // Benchmarks/DispatcherBenchmarks only (no product uses it): wall clock, ARC traffic and malloc counts.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Decimal integers as Valkey parses and prints them (string2ll / ll2string). Standard library only.
        .target(name: "PodiumNumbers", swiftSettings: swiftSettings),
        // sdssplitargs / sdscatrepr: the argument splitter and quoting of inline requests, redis.conf lines, the AOF
        // manifest, script shebangs and MONITOR. Standard library only.
        .target(name: "PodiumText", swiftSettings: swiftSettings),
        // RESP codec: request decoding (multibulk + inline) and RESP2/RESP3 reply encoding. NIOCore only.
        .target(
            name: "PodiumRESP",
            dependencies: ["PodiumNumbers", "PodiumText", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // A C shim over the C allocator: allocated bytes (maxmemory, INFO used_memory) and glibc malloc tuning.
        .target(name: "CPodiumAlloc"),
        // Keyspace: databases, values, expiry, data structures. Standard library and swift-collections (the deque
        // of list nodes, the heap of hash-field deadlines) only.
        .target(
            name: "PodiumKeyspace",
            dependencies: [
                "PodiumNumbers", .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // The RDB format: values to and from their RDB encoding (DUMP / RESTORE payloads, RDB files), CRC-64,
        // LZF, the packed encodings (listpack, ziplist, intset, zipmap). The keyspace's values; no NIO.
        .target(name: "PodiumRDB", dependencies: ["PodiumKeyspace", "PodiumNumbers"], swiftSettings: swiftSettings),
        // Configuration table and redis.conf grammar. Standard library only.
        .target(name: "PodiumConfig", dependencies: ["PodiumNumbers", "PodiumText"], swiftSettings: swiftSettings),
        // The command table, dispatcher and handlers.
        .target(
            name: "PodiumCommands",
            dependencies: [
                "PodiumRESP", "PodiumKeyspace", "PodiumConfig", "PodiumNumbers", "PodiumRDB", "CPodiumAlloc",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                // SHA-256 of ACL passwords.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Persistence: the append-only file (writer thread, manifest, loading, rewrite). Plugs into the dispatcher
        // as its CommandPropagator; no event loops.
        .target(
            name: "PodiumPersistence",
            dependencies: [
                "PodiumCommands", "PodiumKeyspace", "PodiumConfig", "PodiumNumbers", "PodiumRDB", "PodiumText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Debian's Lua 5.1 with its cjson and bit libraries (liblua5.1-0-dev, lua-cjson-dev, lua-bitop-dev).
        .systemLibrary(
            name: "CLua", pkgConfig: "lua5.1",
            providers: [.apt(["liblua5.1-0-dev", "lua-cjson-dev", "lua-bitop-dev"])]
        ),
        // The interpreter side of scripting in C: libraries, the server table, RESP <-> Lua conversions, the run of
        // one script. All Lua errors (longjmps) stay inside it.
        .target(
            name: "CPodiumLua", dependencies: ["CLua"],
            linkerSettings: [.linkedLibrary("lua5.1-cjson"), .linkedLibrary("lua5.1-bitop"), .linkedLibrary("lua5.1")]
        ),
        // EVAL, EVALSHA, SCRIPT: the script cache and runs, installed on the dispatcher as its ScriptingEngine.
        .target(
            name: "PodiumScripting",
            dependencies: [
                "PodiumCommands", "PodiumKeyspace", "PodiumRESP", "PodiumText", "CPodiumLua",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // TLS as a decorator of the connection pipeline: the server context built from the tls-* directives (and
        // reloaded by CONFIG SET), the handshake timeout, and the plain-text / TLS mix-up guards.
        .target(
            name: "PodiumTLS",
            dependencies: [
                "PodiumConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The network server: NIO pipeline, connections, executor, config, INFO.
        .target(
            name: "PodiumServer",
            dependencies: [
                "PodiumRESP", "PodiumKeyspace", "PodiumConfig", "PodiumCommands", "PodiumPersistence", "PodiumTLS",
                "PodiumScripting", "PodiumText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "PodiumServerMain",
            dependencies: [
                "PodiumServer", "PodiumConfig", "CPodiumAlloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // podium-check-aof: checks (and with --fix truncates) an AOF file or directory, like redis-check-aof.
        .executableTarget(
            name: "PodiumCheckAOF",
            dependencies: [
                "PodiumPersistence", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // podium-check-rdb: checks an RDB file and prints what it holds, like redis-check-rdb.
        .executableTarget(
            name: "PodiumCheckRDB",
            dependencies: [
                "PodiumRDB", "PodiumKeyspace", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // The dispatcher driven without a network, per command: time, retains and releases, mallocs
        // (`swift package benchmark --target DispatcherBenchmarks`; CI only builds it).
        .executableTarget(
            name: "DispatcherBenchmarks",
            dependencies: [
                "PodiumCommands", "PodiumKeyspace", .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/DispatcherBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Renders docs/commands.md from the command table.
        .executableTarget(name: "PodiumDocGen", dependencies: ["PodiumCommands"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PodiumRESPTests",
            dependencies: [
                "PodiumRESP", "PodiumNumbers", "PodiumText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PodiumKeyspaceTests", dependencies: ["PodiumKeyspace"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PodiumRDBTests", dependencies: ["PodiumRDB", "PodiumKeyspace"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PodiumPersistenceTests",
            dependencies: [
                "PodiumPersistence", "PodiumCommands", "PodiumKeyspace", "PodiumConfig",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PodiumConfigTests", dependencies: ["PodiumConfig", "PodiumText"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PodiumTLSTests",
            dependencies: [
                "PodiumTLS", "PodiumConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fuzz targets: the bodies (a library, also run by PodiumFuzzingTests) and one libFuzzer executable each,
        // built by scripts/fuzz with -sanitize=fuzzer; built normally, each executable replays files instead.
        .target(
            name: "PodiumFuzzing",
            dependencies: [
                "PodiumCommands", "PodiumKeyspace", "PodiumRESP", "PodiumRDB", "PodiumText", "CPodiumFuzzer",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "CPodiumFuzzer"),
        .executableTarget(name: "PodiumFuzzRESP", dependencies: ["PodiumFuzzing"], swiftSettings: swiftSettings),
        .executableTarget(name: "PodiumFuzzDispatcher", dependencies: ["PodiumFuzzing"], swiftSettings: swiftSettings),
        .executableTarget(name: "PodiumFuzzRDB", dependencies: ["PodiumFuzzing"], swiftSettings: swiftSettings),
        .testTarget(name: "PodiumFuzzingTests", dependencies: ["PodiumFuzzing"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PodiumCommandsTests",
            dependencies: [
                "PodiumCommands", "PodiumKeyspace", "PodiumConfig", "PodiumRESP",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PodiumServerTests",
            dependencies: [
                "PodiumServer", "PodiumConfig", "PodiumCommands", "PodiumKeyspace", "PodiumRESP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

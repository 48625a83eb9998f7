// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "panda",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "panda", targets: ["panda"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        .target(
            name: "HTTPServer",
            dependencies: ["CMicroHTTPD", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Tools",
            dependencies: [
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "Panda",
            dependencies: ["Tools", .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics")]
        ),
        .target(
            name: "PandaAPI",
            dependencies: [
                "Panda", "HTTPServer", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.copy("Dashboard/Site")]
        ),
        // The `panda` client subcommands' HTTP side: URLSession, an SSE reader, DTOs of its own (no server code).
        .target(name: "PandaClient"),
        .executableTarget(
            name: "panda",
            dependencies: [
                "PandaAPI", "Panda", "HTTPServer", "PandaClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // A server of HTTPServer's own (no Panda) that benchmarks and HTTP-layer tests drive.
        .executableTarget(
            name: "http-probe-server",
            dependencies: ["HTTPServer"],
            path: "bench/http-probe-server"
        ),
        // Real components the tests start and stop: moto, fixtures, registries.
        .target(
            name: "PandaTestSupport",
            dependencies: ["HTTPServer", "Tools", "Panda", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support"
        ),
        // `make demo` and the orchestration benchmark: every fixture Panda talks to, as one process.
        .executableTarget(
            name: "panda-demo-fixtures",
            dependencies: ["PandaTestSupport", "HTTPServer", "Tools", "Panda"],
            path: "demo/fixtures"
        ),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "PandaTestSupport"]),
        .testTarget(name: "ToolsTests", dependencies: ["Tools"]),
        .testTarget(name: "PandaTests", dependencies: ["Panda", "Tools", "PandaTestSupport"]),
        // The fuzz targets (untrusted bytes into Panda), run by a Swift test over the committed
        // corpus and by libFuzzer (`scripts/fuzz.sh`).
        .target(
            name: "PandaFuzzing",
            dependencies: ["PandaAPI", "Panda", "HTTPServer", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Fuzz/Targets"
        ),
        .testTarget(name: "PandaAPITests", dependencies: ["PandaAPI", "Panda", "HTTPServer", "PandaTestSupport", "PandaFuzzing"]),
        .testTarget(name: "PandaClientTests", dependencies: ["PandaClient"]),
    ],
    swiftLanguageModes: [.v6]
)

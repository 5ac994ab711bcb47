// swift-tools-version: 6.1
import PackageDescription

// Module arrows point one way, downwards, level by level (docs/architecture.md has every arrow;
// scripts/check-module-graph holds this file to it):
//   metricsd, tsq → alertd → Scraper → Exposition, QueryAPI → Config, PromQL, TSDB, RemoteProtocol → Relabel → MetricsModel
// Linux only: the store and the server call Glibc directly, so no Apple platform is claimed.
// `scripts/fuzz` builds the fuzz targets, in their own build folder, with TOOLBOX_FUZZING=1: the
// modules they read are compiled with libFuzzer's coverage and AddressSanitizer (host tools such as
// the asset plugin's are not), and `fuzz` links libFuzzer's driver.
let fuzzing = Context.environment["TOOLBOX_FUZZING"] == "1"
let fuzzed: [SwiftSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"]), .define("FUZZING")] : []
let fuzzLinked: [LinkerSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])] : []

let package = Package(
    name: "ToolboxMetrics",
    products: [
        .executable(name: "metricsd", targets: ["metricsd"]),
        .executable(name: "tsq", targets: ["tsq"]),
        .executable(name: "alertd", targets: ["AlertdCommand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // RE2 behind a pure-C header, so no Swift target needs C++ interop.
        .target(name: "CRE2Shim", linkerSettings: [.linkedLibrary("re2")]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .target(name: "MetricsModel", dependencies: ["CRE2Shim"], swiftSettings: fuzzed),
        // The web UI's HTML, CSS and JavaScript and the shipped dashboards, embedded by the plugin below.
        .target(name: "WebUI", exclude: ["Assets"], plugins: ["EmbedWebAssets"]),
        .executableTarget(name: "EmbedAssetsTool"),
        .plugin(name: "EmbedWebAssets", capability: .buildTool(), dependencies: ["EmbedAssetsTool"]),
        // Terminal output: aligned tables and braille line charts, for tsq.
        .target(name: "Terminal"),
        .target(name: "Relabel", dependencies: ["MetricsModel"]),
        // The prometheus.yml model: global, scrape_configs, rule_files, alerting, remote_write, storage.
        .target(
            name: "Config",
            dependencies: ["MetricsModel", "Relabel", .product(name: "Yams", package: "Yams"), .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: fuzzed
        ),
        .target(name: "PromQL", dependencies: ["MetricsModel"], swiftSettings: fuzzed),
        // The promqltest DSL runner and an in-memory store, for tsq and the tests; metricsd does not ship it.
        .target(name: "PromQLTesting", dependencies: ["PromQL", "MetricsModel"], swiftSettings: fuzzed),
        // Remote read/write wire formats (snappy, protobuf); shared by the receiver and, later, the sender.
        .target(name: "RemoteProtocol", dependencies: ["MetricsModel", "CSnappy"], swiftSettings: fuzzed),
        .target(
            name: "TSDB",
            dependencies: [
                "MetricsModel", "CZlib", "CSQLite", "CZstd",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: fuzzed
        ),
        // metricsd's remote_write: durable queues that read the WAL and ship to remote write receivers.
        .target(
            name: "RemoteWrite",
            dependencies: [
                "MetricsModel", "Config", "Relabel", "TSDB", "RemoteProtocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // remote_read: series from other stores, read inside queries and merged with the local store's.
        .target(
            name: "RemoteRead",
            dependencies: [
                "MetricsModel", "Config", "RemoteProtocol", "RemoteWrite",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The exposition formats' parsers (Prometheus text, OpenMetrics, protobuf): bytes in, entries
        // out, nothing else; light enough for the fuzz targets.
        .target(name: "Exposition", dependencies: ["MetricsModel", "RemoteProtocol"], swiftSettings: fuzzed),
        .target(
            name: "Scraper",
            dependencies: [
                "MetricsModel", "Config", "Relabel", "Exposition",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "QueryAPI",
            dependencies: [
                "WebUI",
                "MetricsModel", "Config", "Relabel", "TSDB", "PromQL", "RemoteProtocol",
                "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Rule files: the format with Prometheus's load-time checks, and the template language of
        // labels and annotations (parsing and execution). No networking, so the fuzz build takes it.
        .target(
            name: "RuleFiles", dependencies: ["MetricsModel", "PromQL", .product(name: "Yams", package: "Yams")],
            swiftSettings: fuzzed),
        // Rules: evaluation on a schedule, and notifications to Alertmanager (found through the
        // scraper's discovery).
        .target(
            name: "alertd",
            dependencies: [
                "MetricsModel", "PromQL", "RuleFiles", "Config", "Relabel", "Scraper", "RemoteProtocol", "RemoteWrite", "QueryAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "metricsd",
            dependencies: [
                "MetricsModel", "Config", "Scraper", "QueryAPI", "TSDB", "PromQL", "alertd", "RemoteWrite", "RemoteRead",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The standalone rule evaluator: a remote datasource, remote write, Alertmanager.
        .executableTarget(
            name: "AlertdCommand",
            dependencies: [
                "MetricsModel", "Config", "QueryAPI", "alertd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "tsq",
            dependencies: [
                "MetricsModel", "Config", "Relabel", "Scraper", "Exposition", "TSDB", "PromQL", "PromQLTesting", "QueryAPI", "Terminal", "RuleFiles", "alertd", "RemoteProtocol",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Fuzz targets (Fuzz/, run by scripts/fuzz): the targets as a library the regression tests
        // also run, and the executable libFuzzer drives (a replayer of saved inputs when built plainly).
        .target(
            name: "FuzzTargets",
            dependencies: ["Exposition", "PromQL", "PromQLTesting", "RemoteProtocol", "TSDB", "Config", "RuleFiles", "MetricsModel"],
            path: "Fuzz/Targets", swiftSettings: fuzzed),
        .target(name: "CFuzzerDriver", path: "Fuzz/CFuzzerDriver"),
        .executableTarget(name: "fuzz", dependencies: ["FuzzTargets", "CFuzzerDriver"], path: "Fuzz/Main", swiftSettings: fuzzed, linkerSettings: fuzzLinked),
        // Light test helpers (../shared conformance material, seeded randomness, polling, processes).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // Servers for tests: metricsd processes, text exporters, a fake Kubernetes API.
        .target(
            name: "ServerTestSupport",
            dependencies: [
                "TestSupport", "Scraper", "Config", "RemoteProtocol", "MetricsModel",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/ServerTestSupport"
        ),
        .testTarget(name: "MetricsModelTests", dependencies: ["MetricsModel"]),
        // Fixtures are the charts' golden renderings.
        .testTarget(name: "TerminalTests", dependencies: ["Terminal"], exclude: ["Fixtures"]),
        .testTarget(name: "RelabelTests", dependencies: ["Relabel", "MetricsModel", "TestSupport"]),
        .testTarget(
            name: "AlertdTests",
            dependencies: [
                "alertd", "RuleFiles", "PromQL", "PromQLTesting", "MetricsModel", "Config", "Scraper", "TestSupport",
                .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ScraperTests",
            dependencies: [
                "Scraper", "Exposition", "Config", "MetricsModel", "RemoteProtocol", "TSDB", "TestSupport", "ServerTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "TSDBTests", dependencies: ["TSDB", "MetricsModel", "TestSupport"]),
        // Fixtures are promqltest files the tests read by path.
        .testTarget(name: "PromQLTests", dependencies: ["PromQL", "PromQLTesting", "MetricsModel", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "QueryAPITests",
            dependencies: [
                "QueryAPI", "Config", "TSDB", "Scraper", "MetricsModel", "RemoteProtocol", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // Starts the built binaries as a user would; needs `swift build` to have built them.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "TestSupport", "ServerTestSupport", "RemoteProtocol", "MetricsModel",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Yams", package: "Yams"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]
        ),
    ],
    cxxLanguageStandard: .cxx17
)

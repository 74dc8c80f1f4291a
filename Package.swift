// swift-tools-version:6.0
// Vigil — compliance evidence and self-healing for MSPs that look after small healthcare practices.
// Targets are layered (see STYLE.md in ../shared and each target's README): a target depends
// only on targets in the layers below it.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .executable(name: "vigil-bench", targets: ["CryptoBench"]),
        .executable(name: "vigil-outbox-bench", targets: ["OutboxBench"]),
        .executable(name: "vigil-scan-bench", targets: ["ScanBench"]),
        .executable(name: "vigil-rules-bench", targets: ["RulesBench"]),
        .executable(name: "vigil-heal-bench", targets: ["HealBench"]),
        .executable(name: "vigil-web-bench", targets: ["WebBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // 0.x: pinned exactly (FACTS.md). The appliance's SSH client for Linux hosts.
        .package(url: "https://github.com/apple/swift-nio-ssh.git", exact: "0.15.1"),
        // YAML for runbooks and rules (ADR 0013): libyaml underneath, node marks for file:line.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // Layer 0: the pure domain. Standard library and Foundation only.
        .target(name: "Compliance", exclude: ["README.md"], swiftSettings: strictSettings),

        // Layer 1: evidence cryptography and the shared wire types.
        .target(
            name: "EvidenceCrypto",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .target(name: "VigilAPI", dependencies: ["Compliance"], exclude: ["README.md"], swiftSettings: strictSettings),
        // Layer 1: healing as data — the runbook catalogue and L1 rules, loaded strictly from YAML.
        .target(
            name: "Healing",
            dependencies: ["Compliance", .product(name: "Yams", package: "Yams")],
            exclude: ["README.md"],
            resources: [.copy("Catalogue")],
            swiftSettings: strictSettings
        ),

        // Layer 2: the evidence set on disk — writer, sample generator, streaming verifier.
        .target(
            name: "EvidenceSet",
            dependencies: ["Compliance", "EvidenceCrypto", "VigilAPI"],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),

        // Layer 2: the SQL implementations of the storage ports (SQLite and PostgreSQL).
        .target(
            name: "SQLStorage",
            dependencies: [
                "Compliance",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),

        // Layer 2: the HTTP client of Central Command's API (appliance, admin CLI, tests).
        .target(
            name: "CentralClient",
            dependencies: ["Compliance", "EvidenceCrypto", "VigilAPI"],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),

        // Layer 3: the on-site appliance (outbox, evidence recording, later checks and healing).
        .target(
            name: "Appliance",
            dependencies: [
                "Compliance", "EvidenceCrypto", "EvidenceSet", "VigilAPI", "CentralClient", "SQLStorage", "Healing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),

        // Layer 3: Central Command's services.
        .target(
            name: "CentralCommand",
            dependencies: [
                "Compliance", "EvidenceCrypto", "VigilAPI", "Healing", "Views",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: strictSettings
        ),

        // Layer 3: stand-in Linux hosts (real sshd in private mount namespaces) and NTP sources
        // (chronyd) on loopback, for `vigil demo`, tests and benchmarks.
        .target(name: "LabHosts", exclude: ["README.md"], swiftSettings: strictSettings),
        // Layer 2: the web pages, each a model and a pure render (no I/O).
        .target(
            name: "Views", dependencies: ["Compliance", "VigilAPI"], exclude: ["README.md"],
            swiftSettings: strictSettings),

        // Layer 3: the command line.
        .target(
            name: "CLI",
            dependencies: [
                "Appliance", "Compliance", "EvidenceCrypto", "EvidenceSet", "VigilAPI", "CentralCommand",
                "CentralClient", "LabHosts", "SQLStorage", "Healing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),

        // Layer 4: the one executable, and helpers for tests.
        .executableTarget(name: "vigil", dependencies: ["CLI"], exclude: ["README.md"], swiftSettings: strictSettings),
        .target(
            name: "TestSupport",
            dependencies: ["Compliance", "EvidenceCrypto", "EvidenceSet", "LabHosts"],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),

        // Benchmarks (release builds only; see scripts/bench and docs/BENCHMARKS.md).
        .executableTarget(
            name: "CryptoBench", dependencies: ["Compliance", "EvidenceCrypto", "EvidenceSet"],
            path: "Benchmarks/CryptoBench",
            swiftSettings: strictSettings),
        .executableTarget(
            name: "ScanBench",
            dependencies: [
                "Appliance", "Compliance", "LabHosts", "SQLStorage", "VigilAPI",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ScanBench",
            swiftSettings: strictSettings),
        .executableTarget(
            name: "HealBench",
            dependencies: [
                "Appliance", "CLI", "CentralClient", "Compliance", "LabHosts", "VigilAPI",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/HealBench",
            swiftSettings: strictSettings),
        .executableTarget(
            name: "RulesBench", dependencies: ["Compliance", "Healing"], path: "Benchmarks/RulesBench",
            swiftSettings: strictSettings),
        .executableTarget(
            name: "WebBench",
            dependencies: [
                "CentralCommand", "Compliance", "EvidenceCrypto", "SQLStorage", "Views",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/WebBench",
            swiftSettings: strictSettings),
        .executableTarget(
            name: "OutboxBench",
            dependencies: [
                "Appliance", "Compliance", "EvidenceCrypto", "EvidenceSet", "SQLStorage",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/OutboxBench",
            swiftSettings: strictSettings),

        .testTarget(
            name: "ComplianceTests", dependencies: ["Compliance", "TestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "HealingTests", dependencies: ["Healing", "Compliance", "TestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "EvidenceCryptoTests", dependencies: ["EvidenceCrypto", "Compliance", "TestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "ViewsTests", dependencies: ["Views", "Compliance", "VigilAPI", "TestSupport"],
            exclude: ["Snapshots"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "VigilAPITests", dependencies: ["VigilAPI", "Compliance", "TestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "EvidenceSetTests",
            dependencies: ["EvidenceSet", "EvidenceCrypto", "Compliance", "VigilAPI", "TestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "SQLStorageTests",
            dependencies: [
                "SQLStorage", "Compliance", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "CentralCommandTests",
            dependencies: [
                "CentralCommand", "CentralClient", "Compliance", "EvidenceCrypto", "EvidenceSet", "VigilAPI",
                "SQLStorage", "TestSupport", "Views",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "ApplianceTests",
            dependencies: [
                "Appliance", "CentralClient", "Compliance", "EvidenceCrypto", "EvidenceSet", "SQLStorage",
                "TestSupport", "Healing",
                "VigilAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "Appliance", "CLI", "CentralClient", "CentralCommand", "Compliance", "EvidenceSet", "EvidenceCrypto",
                "LabHosts", "Healing",
                "VigilAPI",
                "SQLStorage",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)

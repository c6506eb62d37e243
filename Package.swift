// swift-tools-version:6.0
import PackageDescription

// Why these targets: App is the only one that imports Vapor; every area (Directory, later
// Library, Assessment, ...) depends only on Platform and FluentKit/SQLKit, so services can be
// tested without HTTP and the arrows stay one-way (see ../shared/design/ARCHITECTURE.md).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "educommons",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "educommons", targets: ["EduCommons"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.2"),
        // Named directly: App makes its own LeafRenderer (see configure.swift).
        .package(url: "https://github.com/vapor/leaf-kit.git", from: "1.14.3"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // LTI 1.3: RS256 id_tokens we sign, and tools' JWTs checked against their key sets.
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
    ],
    targets: [
        .executableTarget(
            name: "EduCommons",
            dependencies: ["App"],
            swiftSettings: swiftSettings
        ),
        // zlib from the system (Debian: zlib1g-dev) to read deflated ZIP entries: packages,
        // EPUBs and SCORM manifests. Foundation on Linux exposes no inflate.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "Platform",
            dependencies: [
                "CZlib",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Directory",
            dependencies: [
                "Platform",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Library",
            dependencies: [
                "Platform",
                "Directory",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Assessment",
            dependencies: [
                "Platform",
                "Directory",
                "Library",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Courses",
            dependencies: [
                "Platform",
                "Directory",
                "Library",
                "Assessment",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "JWTKit", package: "jwt-kit"),
                // To make the platform's RSA signing key (JWTKit takes keys, it makes none).
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Live",
            dependencies: [
                "Platform",
                "Directory",
                "Courses",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "App",
            dependencies: [
                "Platform",
                "Directory",
                "Library",
                "Assessment",
                "Courses",
                "Live",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "LeafKit", package: "leaf-kit"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PlatformTests",
            dependencies: ["Platform"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DirectoryTests",
            dependencies: ["Directory", "Platform"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LibraryTests",
            dependencies: ["Library", "Platform"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AssessmentTests",
            dependencies: ["Assessment", "Platform"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CoursesTests",
            dependencies: ["Courses", "Platform"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App", "Platform", "Directory", "Library", "Assessment", "Courses", "Live", "CZlib",
                .product(name: "VaporTesting", package: "vapor"),
                // The tests play an LTI tool: its own RSA key, and our id_tokens read back.
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "warrant",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "specgen", targets: ["specgen"]),
        .executable(name: "warrant", targets: ["warrant"]),
        .library(name: "SpecModel", targets: ["SpecModel"]),
        .library(name: "SpecGen", targets: ["SpecGen"]),
        .library(name: "SpecRuntime", targets: ["SpecRuntime"]),
        .library(name: "WarrantAPI", targets: ["WarrantAPI"]),
        .library(name: "WarrantClient", targets: ["WarrantClient"]),
        .plugin(name: "SpecGenPlugin", targets: ["SpecGenPlugin"]),
        .plugin(name: "RegeneratePlugin", targets: ["RegeneratePlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession", from: "1.0.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.0"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.30.0"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.14.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.1.0"),
        // OTLP over HTTP only: the gRPC exporter would build gRPC for nothing.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.0.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.0.0"),
    ],
    targets: [
        // specgen: spec loading and checking, generation, command line, build plugin.
        .target(name: "SpecModel", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(
            name: "SpecGen",
            dependencies: ["SpecModel", .product(name: "Mustache", package: "swift-mustache"), .product(name: "Yams", package: "Yams")]
        ),
        // Writes Templates/ into SpecGen/BuiltinTemplateTexts.swift, so specgen carries its templates. It is
        // committed (a build plugin's output is not compiled into the copy of SpecGen that plugins run) and
        // refreshed by `swift package regenerate`; a test fails when it differs from Templates/.
        .executableTarget(name: "TemplateEmbedder"),
        .executableTarget(
            name: "specgen",
            dependencies: ["SpecGen", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .plugin(name: "SpecGenPlugin", capability: .buildTool(), dependencies: ["specgen"]),
        .plugin(
            name: "RegeneratePlugin",
            capability: .command(
                intent: .custom(verb: "regenerate", description: "Refresh Generated/ (client SDKs in Swift, TypeScript and Python, OpenAPI, docs) from spec/"),
                permissions: [.writeToPackageDirectory(reason: "Generated/ holds the committed outputs of specgen")]
            ),
            dependencies: ["specgen", "TemplateEmbedder"]
        ),

        // The runtime that generated code calls.
        .target(
            name: "SpecRuntime",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),

        // warrant: the API layer is generated from spec/ by the build plugin.
        .target(
            name: "WarrantAPI",
            dependencies: [
                "SpecRuntime",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["specgen.json"],
            plugins: ["SpecGenPlugin"]
        ),

        // The client SDK: sources committed in Generated/Client by `swift package regenerate`, so an app
        // can depend on it without building specgen or the server.
        .target(
            name: "WarrantClient",
            dependencies: [
                "SpecRuntime",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Generated/Client"
        ),

        .target(
            name: "WarrantStore",
            dependencies: [
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "WarrantEngine",
            dependencies: [
                "WarrantAPI", "WarrantStore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "WarrantServer",
            dependencies: [
                "WarrantEngine", "WarrantAPI", "WarrantStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "warrant",
            dependencies: [
                "WarrantServer", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "OTel", package: "swift-otel"), .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),

        .testTarget(name: "SpecModelTests", dependencies: ["SpecModel", .product(name: "Yams", package: "Yams")]),
        .testTarget(
            name: "SpecGenTests", dependencies: ["SpecGen", .product(name: "Yams", package: "Yams")], exclude: ["Golden"]
        ),
        .testTarget(
            name: "GeneratedCodeTests",
            dependencies: [
                "SpecRuntime",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
            ],
            exclude: ["specgen.json"],
            plugins: ["SpecGenPlugin"]
        ),
        .testTarget(name: "WarrantAPITests", dependencies: ["WarrantAPI"]),
        .testTarget(
            name: "WarrantEngineTests",
            dependencies: ["WarrantEngine", "WarrantAPI", "WarrantStore", .product(name: "JWTKit", package: "jwt-kit")]
        ),
        // A PostgreSQL server and empty databases on it, for the store and server suites.
        .target(
            name: "PostgresFixture",
            dependencies: ["WarrantStore", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")],
            path: "Tests/PostgresFixture"
        ),
        .testTarget(
            name: "WarrantStoreTests",
            dependencies: ["WarrantStore", "PostgresFixture", .product(name: "SQLKit", package: "sql-kit")]
        ),
        .testTarget(
            name: "WarrantServerTests",
            dependencies: [
                "WarrantServer", "WarrantEngine", "WarrantStore", "WarrantClient", "PostgresFixture",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ]
)

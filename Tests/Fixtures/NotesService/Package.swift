// swift-tools-version:6.1
// An API team's own package: its spec in spec/, its generated API in NotesAPI (by SpecGenPlugin), its
// server on Hummingbird or Vapor, and tests that call it through the generated client over URLSession
// and AsyncHTTPClient. It depends on specgen's package by path here; a team would name its URL instead.
import PackageDescription

let package = Package(
    name: "NotesService",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "warrant", path: "../../.."),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/vapor/vapor", from: "4.100.0"),
        .package(url: "https://github.com/vapor/swift-openapi-vapor", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        // Models, validators, routes and the client, generated from spec/ on every build that changes it.
        .target(
            name: "NotesAPI",
            dependencies: [
                .product(name: "SpecRuntime", package: "warrant"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["specgen.json"],
            plugins: [.plugin(name: "SpecGenPlugin", package: "warrant")]
        ),
        // The team's own code: the generated APIProtocol filled in, and the two ways to serve it.
        .target(
            name: "NotesServer",
            dependencies: [
                "NotesAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "OpenAPIVapor", package: "swift-openapi-vapor"),
            ]
        ),
        .executableTarget(name: "notes-server", dependencies: ["NotesServer"]),
        .testTarget(
            name: "NotesServiceTests",
            dependencies: [
                "NotesAPI", "NotesServer",
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

#!/usr/bin/env bash
# The WarrantClient product on its own: an app package that depends only on it (and on
# swift-openapi-urlsession for its transport) builds without building specgen or the server, and talks
# to a running warrant. Usage: check-client-package.sh SERVER_URL ORGANIZATION_TOKEN
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
identity=$(basename "$repo" | tr '[:upper:]' '[:lower:]')

app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
mkdir -p "$app/Sources/ClientApp"
cat >"$app/Package.swift" <<SWIFT
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "ClientApp",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "$repo"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession", from: "1.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "ClientApp",
            dependencies: [
                .product(name: "WarrantClient", package: "$identity"),
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
            ]
        )
    ]
)
SWIFT
cat >"$app/Sources/ClientApp/main.swift" <<'SWIFT'
import Foundation
import OpenAPIURLSession
import WarrantClient

let arguments = CommandLine.arguments
let client = Client(
    serverURL: URL(string: arguments[1])!, transport: URLSessionTransport(), credentials: BearerCredentials(token: arguments[2]))
guard case .ok(let health) = try await client.healthcheck(.init()) else { fatalError("healthcheck failed") }
guard case .created(let service) = try await client.serviceCreate(
    .init(body: Service(serviceName: "From an app", issuer: URL(string: "https://app.example.com")!)))
else { fatalError("serviceCreate failed") }
print("healthcheck: \(health.status), API \(health.version); created service \(service.apiKey.map(String.init) ?? "?") named \(service.serviceName ?? "?")")
SWIFT

echo "== WarrantClient alone: an app package builds it without specgen or the server, and calls warrant"
(cd "$app" && swift build -q --product ClientApp 2>&1 | grep -v "CMakeLists.txt\|found 1 file(s) which are unhandled\|^warning:" || true)
# SwiftPM plans every target of the graph (empty folders) but compiles only what the app needs.
for built in specgen SpecGen Hummingbird WarrantEngine WarrantAPI; do
    if [ -n "$(find "$app/.build/debug/$built.build" -name '*.o' 2>/dev/null | head -1)" ]; then
        echo "error: building the app compiled $built" >&2
        exit 1
    fi
done
echo "ok: compiled $(find "$app/.build/debug/WarrantClient.build" -name '*.o' | wc -l) WarrantClient objects, nothing of specgen or the server"
"$app/.build/debug/ClientApp" "$1" "$2"

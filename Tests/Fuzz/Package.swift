// swift-tools-version:5.4
// libFuzzer targets for warrant's parsers, in a package of their own so that the root package's
// `swift build` and `swift test` never see them. Each executable holds only an `LLVMFuzzerTestOneInput`;
// libFuzzer supplies `main`. `.ci/fuzz.sh` builds and runs them, and says how to do it by hand.
//
// Tools version 5.4 on purpose: from 5.5 on, SwiftPM renames an executable's `main` so tests can link it,
// and the link then wants a `<Target>_main` that a fuzz target does not have. Linux only: the swift.org
// toolchain ships libFuzzer, Xcode's does not.
import Foundation
import PackageDescription

// A path dependency's identity is the name of its folder: whatever the clone was called.
let rootIdentity = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

/// A fuzz entry point. Coverage instrumentation of everything it calls comes from the build command;
/// only these executables link libFuzzer (specgen, which the root package's build plugin needs, is built
/// with the same flags and keeps its own `main`).
func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: products.map { .product(name: $0, package: rootIdentity) },
        swiftSettings: [.unsafeFlags(["-parse-as-library"])],
        linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])]
    )
}

let package = Package(
    name: "WarrantFuzz",
    dependencies: [
        .package(path: "../..")
    ],
    targets: [
        fuzzTarget("FuzzForm", ["SpecRuntime"]),
        fuzzTarget("FuzzJSONModels", ["SpecRuntime", "WarrantClient"]),
        fuzzTarget("FuzzSpecLoader", ["SpecModel"]),
    ]
)

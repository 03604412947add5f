// Fuzzes the spec loader: YAML (through Yams), the shape checks of `SpecParser` and the cross-file checks
// of `SpecChecker`, through `SpecLoader.load(sources:)`, the in-memory entry point `specgen lint` uses
// after reading the files.
//
// The input is one to four spec files separated by NUL bytes (which YAML text cannot hold), so names
// defined in one file and used in another are exercised too. Bytes that are not UTF-8 are replaced, as
// they would have to be before the text reaches the parser.
//
// Properties checked on every input, besides "never crashes or hangs":
// - a spec is returned exactly when there is no error, so a refused spec always says why;
// - every diagnostic points into one of the files given, at line 1 or later and column 1 or later;
// - loading is deterministic: the same files give the same diagnostics (checked for inputs up to 1 kB).
import SpecModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let parts = bytes.split(separator: 0, maxSplits: 3, omittingEmptySubsequences: false)
    let sources = parts.enumerated().map { index, part in
        (file: "f\(index).yaml", area: "f\(index)", text: String(decoding: part, as: UTF8.self))
    }
    let result = SpecLoader.load(sources: sources)

    if (result.spec == nil) == result.errors.isEmpty {
        fail("spec is \(result.spec == nil ? "nil" : "present") with \(result.errors.count) errors", bytes)
    }
    let files = Set(sources.map(\.file))
    for diagnostic in result.diagnostics {
        if !files.contains(diagnostic.location.file) || diagnostic.location.line < 1 || diagnostic.location.column < 1 {
            fail("diagnostic outside the files: \(diagnostic)", bytes)
        }
    }
    // Loading twice halves the speed, so only small inputs, which are most of what the fuzzer tries.
    if size <= 1_024 {
        let again = SpecLoader.load(sources: sources)
        if again.diagnostics.map(\.description) != result.diagnostics.map(\.description) {
            fail("two loads disagree: \(result.diagnostics) vs \(again.diagnostics)", bytes)
        }
    }
    return 0
}

func fail(_ message: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Never {
    fatalError("\(message); input: \(String(decoding: bytes, as: UTF8.self).debugDescription)")
}

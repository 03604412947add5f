// Fuzzes `FormEncoding` (form bodies, query strings, percent-encoded path components).
//
// Properties checked on every input, besides "never crashes":
// - parsing either throws a `FormError` or returns pairs within the limits it was given;
// - the bytes and the same text as a `String` (when it is UTF-8) give the same pairs or the same error;
// - encoding the pairs and parsing them again gives the same pairs back;
// - `object(from:)` keeps every name, a repeated one as an array with one entry per occurrence;
// - a decoded component, escaped and decoded again, is unchanged.
import SpecRuntime

/// Small limits, so the fuzzer reaches every cap with short inputs.
let tightLimits = FormLimits(maxPairs: 8, maxRepeats: 3, maxValueBytes: 24)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    for limits in [FormLimits.standard, tightLimits] {
        checkPairs(bytes, limits: limits)
    }
    checkComponent(bytes, plusIsSpace: false)
    checkComponent(bytes, plusIsSpace: true)
    return 0
}

func fail(_ message: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Never {
    fatalError("\(message); input: \(Array(bytes))")
}

/// Byte for byte: `==` on `String` is canonical equivalence, which would hide a changed value.
func same(_ a: [(name: String, value: String)], _ b: [(name: String, value: String)]) -> Bool {
    a.count == b.count
        && zip(a, b).allSatisfy { $0.name.utf8.elementsEqual($1.name.utf8) && $0.value.utf8.elementsEqual($1.value.utf8) }
}

func checkPairs(_ bytes: UnsafeBufferPointer<UInt8>, limits: FormLimits) {
    let fromBytes: Result<[(name: String, value: String)], FormError> = Result { () throws(FormError) in
        try FormEncoding.pairs(fromBytes: bytes, limits: limits)
    }
    if let text = String(validating: bytes, as: UTF8.self) {
        let fromText: Result<[(name: String, value: String)], FormError> = Result { () throws(FormError) in
            try FormEncoding.pairs(from: text, limits: limits)
        }
        switch (fromBytes, fromText) {
        case (.success(let a), .success(let b)) where same(a, b): break
        case (.failure(let a), .failure(let b)) where a == b: break
        default: fail("bytes and text parse differently: \(fromBytes) vs \(fromText)", bytes)
        }
        // Substrings (a query string after `?`) take the same path.
        if let mark = text.firstIndex(of: "?") {
            _ = try? FormEncoding.object(from: text[text.index(after: mark)...], limits: limits)
        }
    }
    guard case .success(let pairs) = fromBytes else { return }

    if pairs.count > limits.maxPairs { fail("\(pairs.count) pairs, over the cap \(limits.maxPairs)", bytes) }
    var repeats: [String: Int] = [:]
    for (name, value) in pairs {
        if name.utf8.count > limits.maxValueBytes || value.utf8.count > limits.maxValueBytes {
            fail("a name or value is longer than \(limits.maxValueBytes) bytes", bytes)
        }
        repeats[name, default: 0] += 1
    }
    if let (name, count) = repeats.first(where: { $0.value > limits.maxRepeats }) {
        fail("'\(name)' repeats \(count) times, over the cap \(limits.maxRepeats)", bytes)
    }

    let encoded = FormEncoding.encode(pairs)
    do {
        let again = try FormEncoding.pairs(from: encoded, limits: limits)
        if !same(again, pairs) { fail("encode then parse changed the pairs: \(pairs) -> \(encoded) -> \(again)", bytes) }
    } catch {
        fail("its own encoding \(encoded) does not parse: \(error)", bytes)
    }

    guard case .object(let members) = FormEncoding.object(from: pairs) else { fail("object(from:) is not an object", bytes) }
    if members.count != repeats.count { fail("object(from:) has \(members.count) names, not \(repeats.count)", bytes) }
    for (name, count) in repeats {
        switch members[name] {
        case .string where count == 1: break
        case .array(let items) where count > 1 && items.count == count: break
        default: fail("object(from:) holds '\(name)' (given \(count) times) as \(String(describing: members[name]))", bytes)
        }
    }
}

func checkComponent(_ bytes: UnsafeBufferPointer<UInt8>, plusIsSpace: Bool) {
    // `decode(component:)` takes text; invalid UTF-8 is the bytes parser's business.
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    let decoded: String
    do {
        decoded = try FormEncoding.decode(component: text, plusIsSpace: plusIsSpace)
    } catch {
        return
    }
    let escaped = FormEncoding.escape(decoded)
    guard let again = try? FormEncoding.decode(component: escaped, plusIsSpace: plusIsSpace),
        again.utf8.elementsEqual(decoded.utf8)
    else {
        fail("escape then decode changed \(decoded.debugDescription) (escaped \(escaped))", bytes)
    }
    _ = PathEncoding.segment(decoded)
}

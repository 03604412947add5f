/// A strict RFC 8259 parser from bytes to ``JSONValue``, in one linear pass over the input.
///
/// It replaces Foundation's `JSONDecoder` on the request path, where decoding through `Decodable` into a
/// tree cost more than the rest of a token request. It accepts exactly what RFC 8259 accepts (no comments,
/// no trailing commas, no leading zeros, valid UTF-8, escapes with paired surrogates); nesting deeper than
/// ``maximumDepth`` is refused rather than exhausting the stack. A member named twice keeps its first value,
/// as Foundation's decoder did.
struct JSONParser {
    /// Deeper documents are refused: the parser recurses once per level.
    static let maximumDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0
    /// Scratch space for strings with escapes, reused across strings.
    private var scratch: [UInt8] = []

    static func parse(_ input: some Collection<UInt8>) throws(JSONParsingError) -> JSONValue {
        let result: Result<JSONValue, JSONParsingError>? = input.withContiguousStorageIfAvailable { buffer in
            var parser = JSONParser(bytes: buffer)
            return Result { () throws(JSONParsingError) in try parser.document() }
        }
        if let result { return try result.get() }
        let copy = Array(input)
        return try copy.withUnsafeBufferPointer { buffer throws(JSONParsingError) in
            var parser = JSONParser(bytes: buffer)
            return try parser.document()
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private mutating func document() throws(JSONParsingError) -> JSONValue {
        skipWhitespace()
        let value = try self.value()
        skipWhitespace()
        guard position == bytes.count else { throw fail("unexpected text after the value") }
        return value
    }

    private func fail(_ reason: String) -> JSONParsingError { JSONParsingError(offset: position, reason: reason) }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private mutating func value() throws(JSONParsingError) -> JSONValue {
        guard let byte = current else { throw fail("a value is missing") }
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParsingError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw fail("unexpected end of input") }
        let text = word.utf8Start
        for index in 0..<count where bytes[position + index] != text[index] {
            throw fail("unexpected character")
        }
        position += count
    }

    private mutating func descend() throws(JSONParsingError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw fail("nested deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func object() throws(JSONParsingError) -> JSONValue {
        try descend()
        position += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(members)
        }
        while true {
            guard current == UInt8(ascii: "\"") else { throw fail("a member name is missing") }
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw fail("':' is missing") }
            position += 1
            skipWhitespace()
            let member = try value()
            if members[key] == nil { members[key] = member }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return .object(members)
            default:
                throw fail("',' or '}' is missing")
            }
        }
    }

    private mutating func array() throws(JSONParsingError) -> JSONValue {
        try descend()
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(items)
        }
        while true {
            items.append(try value())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return .array(items)
            default:
                throw fail("',' or ']' is missing")
            }
        }
    }

    // MARK: Strings

    private mutating func string() throws(JSONParsingError) -> String {
        position += 1
        let start = position
        // The common case: no escapes, so the text is a slice of the input.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = try text(UnsafeBufferPointer(rebasing: bytes[start..<position]), from: start)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw fail("a control character must be escaped") }
            position += 1
        }
        guard position < bytes.count else { throw fail("a string is not closed") }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                let collected = scratch
                return try collected.withUnsafeBufferPointer { buffer throws(JSONParsingError) in try text(buffer, from: start) }
            case UInt8(ascii: "\\"):
                position += 1
                try escape()
            case 0..<0x20:
                throw fail("a control character must be escaped")
            default:
                scratch.append(byte)
                position += 1
            }
        }
        throw fail("a string is not closed")
    }

    private func text(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) throws(JSONParsingError) -> String {
        guard let text = String(validating: buffer, as: UTF8.self) else {
            throw JSONParsingError(offset: start, reason: "a string is not valid UTF-8")
        }
        return text
    }

    private mutating func escape() throws(JSONParsingError) {
        guard let byte = current else { throw fail("a string is not closed") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hexQuad())
            if (0xD800..<0xDC00).contains(scalar) {
                guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                else { throw fail("a high surrogate is not followed by a low one") }
                position += 2
                let low = UInt32(try hexQuad())
                guard (0xDC00..<0xE000).contains(low) else { throw fail("a high surrogate is not followed by a low one") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw fail("a low surrogate stands alone")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw fail("not a Unicode scalar") }
            scratch.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw fail("unknown escape")
        }
    }

    private mutating func hexQuad() throws(JSONParsingError) -> UInt16 {
        guard bytes.count - position >= 4 else { throw fail("\\u needs four hex digits") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("\\u needs four hex digits")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    // MARK: Numbers

    /// An integer that fits in `Int64` stays exact; any other number is a `Double`. Written with a fraction or
    /// an exponent, an integral value within `Int64`'s range is an integer (`1.0` and `1e2`), while digits
    /// past `Int64`'s range stay a `Double`: both as Foundation's decoder read them.
    private mutating func number() throws(JSONParsingError) -> JSONValue {
        let start = position
        var negative = false
        if current == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw fail("a number needs a digit")
        }
        var magnitude: UInt64 = 0
        var overflow = false
        if first == UInt8(ascii: "0") {
            position += 1
        } else {
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                magnitude = sum
                position += 1
            }
        }
        var integral = true
        if current == UInt8(ascii: ".") {
            integral = false
            position += 1
            try digits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            try digits()
        }
        if integral, !overflow {
            if negative, magnitude <= UInt64(Int64.max) + 1 { return .integer(magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)) }
            if !negative, magnitude <= UInt64(Int64.max) { return .integer(Int64(magnitude)) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else { throw JSONParsingError(offset: start, reason: "a number is out of range") }
        if !integral, double == double.rounded(), double >= -9.223372036854775808e18, double < 9.223372036854775808e18 {
            return .integer(Int64(double))
        }
        return .number(double)
    }

    private mutating func digits() throws(JSONParsingError) {
        let start = position
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
        guard position > start else { throw fail("a number needs a digit") }
    }
}

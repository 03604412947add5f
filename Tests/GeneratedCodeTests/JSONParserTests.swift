import Foundation
import SpecRuntime
import Testing

@Suite struct JSONParserTests {
    private func parse(_ text: String) throws(JSONParsingError) -> JSONValue { try JSONValue(parsing: text) }

    private func failure(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func readsEveryKindOfValue() throws {
        let value = try parse(#" { "a" : 1, "b": [true, false, null], "c": "x\u00e9\ud83d\ude00\n\"\\\/", "d": {}, "e": [] } "#)
        #expect(value == ["a": 1, "b": [true, false, nil], "c": "xé😀\n\"\\/", "d": [:], "e": []])
    }

    @Test func keepsIntegersExactAndTurnsOtherNumbersIntoDoubles() throws {
        #expect(try parse("9223372036854775807") == .integer(.max))
        #expect(try parse("-9223372036854775808") == .integer(.min))
        #expect(try parse("-0") == .integer(0))
        #expect(try parse("1.5") == .number(1.5))
        #expect(try parse("-2.5e-3") == .number(-0.0025))
        // Integral values written with a fraction or an exponent read as integers, as with Foundation.
        #expect(try parse("1e2") == .integer(100))
        #expect(try parse("3.0") == .integer(3))
        #expect(try parse("9223372036854775808") == .number(9_223_372_036_854_775_808))
        #expect(try parse("-9223372036854775809") == .number(-9_223_372_036_854_775_808))
        #expect(try parse("-9.223372036854775808e18") == .integer(.min))
    }

    @Test func refusesWhatRFC8259Refuses() {
        let cases: [(String, String)] = [
            ("", "a value is missing at byte 0"),
            ("01", "unexpected text after the value at byte 1"),
            ("[1,]", "unexpected character at byte 3"),
            (#"{"a":1,}"#, "a member name is missing at byte 7"),
            (#"{"a" 1}"#, "':' is missing at byte 5"),
            ("[1 2]", "',' or ']' is missing at byte 3"),
            (#""\ud800""#, "a high surrogate is not followed by a low one at byte 7"),
            (#""\udc00x""#, "a low surrogate stands alone at byte 7"),
            (#""\q""#, "unknown escape at byte 3"),
            (#""\u12g4""#, "\\u needs four hex digits at byte 5"),
            (#""open"#, "a string is not closed at byte 5"),
            ("\"a\u{01}\"", "a control character must be escaped at byte 2"),
            ("tru", "unexpected end of input at byte 0"),
            ("nulL", "unexpected character at byte 0"),
            ("-", "a number needs a digit at byte 1"),
            ("1.", "a number needs a digit at byte 2"),
            ("1e+", "a number needs a digit at byte 3"),
            ("NaN", "unexpected character at byte 0"),
            ("1e400", "a number is out of range at byte 0"),
            ("{} {}", "unexpected text after the value at byte 3"),
        ]
        for (text, reason) in cases {
            #expect(failure(text) == "is not valid JSON: \(reason)", "\(text)")
        }
    }

    @Test func refusesBytesThatAreNotUTF8() {
        #expect(throws: JSONParsingError.self) { try JSONValue(parsing: [0x22, 0xFF, 0x22]) }
        #expect(throws: JSONParsingError.self) { try JSONValue(parsing: [0x22, 0x5C, 0x6E, 0xC3, 0x22]) }
    }

    @Test func nestsUpTo512LevelsAndNoDeeper() throws {
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try parse(deepest) }
        let deeper = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(failure(deeper) == "is not valid JSON: nested deeper than 512 levels at byte 512")
        // A million brackets are refused at the limit, not by exhausting the stack.
        #expect(failure(String(repeating: "{\"a\":", count: 1_000_000))?.hasPrefix("is not valid JSON: nested deeper") == true)
    }

    @Test func aMemberNamedTwiceKeepsTheFirstValueAsFoundationDoes() throws {
        #expect(try parse(#"{"a": 1, "a": 2}"#) == ["a": 1])
    }

    /// Whatever JSONValue writes, it reads back as the same value; and Foundation reads the same text alike.
    @Test func readsBackWhatItWritesAndAgreesWithFoundation() throws {
        var generator = SplitMix(seed: 7)
        for _ in 0..<300 {
            let value = Self.randomValue(depth: 0, using: &generator)
            let text = value.serialized()
            #expect(try JSONValue(parsing: text) == value)
            let foundation = try JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed])
            #expect(Self.value(fromFoundation: foundation) == value)
        }
    }

    private static func randomValue(depth: Int, using generator: inout SplitMix) -> JSONValue {
        switch generator.next() % (depth > 3 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(generator.next() % 2 == 0)
        case 2: return .integer(Int64(bitPattern: generator.next()) >> (11 + generator.next() % 53))  // within 2^53, which Foundation keeps exact
        case 3: return .number(Double(Int64(bitPattern: generator.next()) % 1_000_000) + 0.5)
        case 4:
            let scalars: [Character] = ["a", "é", "😀", "\"", "\\", "\n", "\u{01}", "/", " ", "z"]
            return .string(String((0..<(generator.next() % 12)).map { _ in scalars[Int(generator.next() % UInt64(scalars.count))] }))
        case 5: return .array((0..<(generator.next() % 4)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var members: [String: JSONValue] = [:]
            for index in 0..<(generator.next() % 4) { members["k\(index)"] = randomValue(depth: depth + 1, using: &generator) }
            return .object(members)
        }
    }

    private static func value(fromFoundation object: Any) -> JSONValue {
        switch object {
        case is NSNull: return .null
        case let text as String: return .string(text)
        case let array as [Any]: return .array(array.map(value(fromFoundation:)))
        case let members as [String: Any]: return .object(members.mapValues(value(fromFoundation:)))
        case let number as NSNumber:
            // Foundation's JSON booleans are NSNumbers of type char, its integers of type long long.
            switch String(cString: number.objCType) {
            case "c", "B": return .bool(number.boolValue)
            case "d", "f": return .number(number.doubleValue)
            default: return .integer(number.int64Value)
            }
        default: return .string("unexpected \(type(of: object))")
        }
    }
}

/// A small deterministic generator, so the round trip tests the same values on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Violation paths are JSON Pointers (RFC 6901).
@Suite struct JSONPathTests {
    @Test func pathsEscapeTildeAndSlashInMemberNamesOnly() {
        #expect(JSONPath.root.appending("scope").appending(2).pointer == "/scope/2")
        #expect(JSONPath.root.appending("a/b~c").pointer == "/a~1b~0c")
        #expect(JSONPath.root.appending("~/é").description == "/~0~1é")
        #expect(JSONPath.root.description == "/")
    }
}

import SpecRuntime
import Testing

/// Scalars read with `coercesScalars` (as Java's JSON binders read them), and without it (strictly).
@Suite struct ScalarCoercionTests {
    static func read<T: JSONDecodable>(_ type: T.Type, _ json: JSONValue, coercing: Bool) -> (T?, [String]) {
        var violations = Violations()
        violations.coercesScalars = coercing
        let value = T(json: json, at: .root, violations: &violations)
        return (value, violations.list.map(\.message))
    }

    @Test func numbersAndFlagsBecomeTextAndTextBecomesNumbersAndFlags() {
        #expect(Self.read(String.self, .integer(42), coercing: true).0 == "42")
        #expect(Self.read(String.self, .number(1.5), coercing: true).0 == "1.5")
        #expect(Self.read(String.self, .bool(true), coercing: true).0 == "true")
        #expect(Self.read(Int64.self, .string("-7"), coercing: true).0 == -7)
        #expect(Self.read(Int32.self, .string("120"), coercing: true).0 == 120)
        #expect(Self.read(Double.self, .string("2.5"), coercing: true).0 == 2.5)
        #expect(Self.read(Bool.self, .string("FALSE"), coercing: true).0 == false)
    }

    @Test func whatIsNoScalarOrNoNumberStaysRefused() {
        #expect(Self.read(String.self, .array([]), coercing: true).1 == ["must be a string, not an array"])
        #expect(Self.read(Int64.self, .string("12a"), coercing: true).1 == ["must be an integer, not a string"])
        #expect(Self.read(Int32.self, .string("99999999999"), coercing: true).1.count == 1)
        #expect(Self.read(Bool.self, .string("yes"), coercing: true).1 == ["must be true or false, not a string"])
    }

    @Test func withoutCoercionEveryKindMustMatch() {
        #expect(Self.read(String.self, .integer(42), coercing: false).1 == ["must be a string, not a number"])
        #expect(Self.read(Int64.self, .string("42"), coercing: false).1 == ["must be an integer, not a string"])
        #expect(Self.read(Bool.self, .string("true"), coercing: false).1 == ["must be true or false, not a string"])
    }
}

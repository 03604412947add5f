// Fuzzes JSON parsing (`JSONValue(parsing:)`) and the generated decoding and validation of the request
// bodies of the client SDK (`WarrantClient`, generated from spec/) and of some of its responses, as a JSON
// body and as the text values a form body or query string carries.
//
// Properties checked on every input, besides "never crashes":
// - what `JSONValue` serializes parses again, and serializing settles after one more round;
// - a model refused by decoding reports at least one violation, one decoded reports none, and the
//   violations listed are the first `Violations.maximumListed` of those counted;
// - a decoded model, encoded and decoded again, encodes to the same bytes;
// - `init(jsonData:)` and `JSONDecoder` (through `CodableBridge`) agree with decoding the parsed value.
import Foundation
import SpecRuntime
import WarrantClient

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let json = try? JSONValue(parsing: bytes) else { return 0 }
    checkSerialization(json, bytes)

    // Every request body of the API, from the largest (Service: 63 fields, OAuthClient: 57) down.
    exercise(Service.self, json, bytes)
    exercise(OAuthClient.self, json, bytes)
    exercise(TokenRequest.self, json, bytes)
    exercise(TokenCreateRequest.self, json, bytes)
    exercise(TokenUpdateRequest.self, json, bytes)
    exercise(TokenRevokeRequest.self, json, bytes)
    exercise(TokenIssueRequest.self, json, bytes)
    exercise(TokenFailRequest.self, json, bytes)
    exercise(IssueSpec.self, json, bytes)
    exercise(AuthorizationRequest.self, json, bytes)
    exercise(AuthorizationIssueRequest.self, json, bytes)
    exercise(AuthorizationFailRequest.self, json, bytes)
    exercise(IntrospectionRequest.self, json, bytes)
    exercise(StandardIntrospectionRequest.self, json, bytes)
    exercise(RevocationRequest.self, json, bytes)
    exercise(UserInfoRequest.self, json, bytes)
    exercise(UserInfoIssueRequest.self, json, bytes)
    exercise(IdTokenReissueRequest.self, json, bytes)
    exercise(ServiceTokenCreateRequest.self, json, bytes)
    exercise(ServiceConfigurationRequest.self, json, bytes)
    // Responses the client reads from the network: nested lists of the large models, and Int32 counts.
    exercise(ClientListResponse.self, json, bytes)
    exercise(ServiceListResponse.self, json, bytes)
    exercise(TokenListResponse.self, json, bytes)
    exercise(TokenResponse.self, json, bytes)

    // The two other ways in, for the two largest bodies: straight from bytes, and through Codable.
    checkEntryPoints(Service.self, json, bytes)
    checkEntryPoints(OAuthClient.self, json, bytes)
    return 0
}

func fail(_ message: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Never {
    fatalError("\(message); input: \(String(decoding: bytes, as: UTF8.self).debugDescription)")
}

func checkSerialization(_ json: JSONValue, _ bytes: UnsafeBufferPointer<UInt8>) {
    let first = json.serialized()
    guard let reparsed = try? JSONValue(parsing: first) else {
        fail("its own serialization does not parse: \(String(decoding: first, as: UTF8.self))", bytes)
    }
    // 1e16 serializes as 1e+16 and parses back as an integer, so only the second round must be exact.
    let second = reparsed.serialized()
    guard let again = try? JSONValue(parsing: second), again.serialized() == second else {
        fail("serialization does not settle: \(String(decoding: second, as: UTF8.self))", bytes)
    }
}

func exercise<T: JSONCodable & Validatable>(_ type: T.Type, _ json: JSONValue, _ bytes: UnsafeBufferPointer<UInt8>) {
    for valuesAreText in [false, true] {
        var violations = Violations(location: .body, valuesAreText: valuesAreText)
        let value = T(json: json, at: .root, violations: &violations)
        checkList(violations, "\(T.self)", bytes)
        guard let value else {
            if violations.isEmpty { fail("\(T.self) refused without a violation", bytes) }
            continue
        }
        if !violations.isEmpty { fail("\(T.self) decoded but reported \(violations.list)", bytes) }

        var found = Violations()
        value.validate(at: .root, violations: &found)
        checkList(found, "\(T.self) validation", bytes)
        if found.isEmpty != value.violations.isEmpty { fail("\(T.self) validates differently twice", bytes) }

        let encoded = value.jsonData()
        guard let reparsed = try? JSONValue(parsing: encoded) else {
            fail("\(T.self) encodes to JSON that does not parse: \(String(decoding: encoded, as: UTF8.self))", bytes)
        }
        var again = Violations()
        guard let decoded = T(json: reparsed, at: .root, violations: &again) else {
            fail("\(T.self) does not decode its own encoding \(String(decoding: encoded, as: UTF8.self)): \(again.list)", bytes)
        }
        if decoded.jsonData() != encoded {
            fail(
                "\(T.self) encodes differently after a round trip: \(String(decoding: encoded, as: UTF8.self)) vs "
                    + String(decoding: decoded.jsonData(), as: UTF8.self), bytes)
        }
    }
}

func checkList(_ violations: Violations, _ what: String, _ bytes: UnsafeBufferPointer<UInt8>) {
    if violations.list.count != min(violations.count, Violations.maximumListed) {
        fail("\(what): \(violations.list.count) violations listed of \(violations.count)", bytes)
    }
}

func checkEntryPoints<T: JSONCodable & Decodable & Equatable>(
    _ type: T.Type, _ json: JSONValue, _ bytes: UnsafeBufferPointer<UInt8>
) {
    var violations = Violations()
    let direct = T(json: json, at: .root, violations: &violations)
    let fromData = try? T(jsonData: bytes)
    let fromCodable = try? JSONDecoder().decode(T.self, from: Data(bytes))
    if (direct == nil) != (fromData == nil) || (direct == nil) != (fromCodable == nil) {
        fail("\(T.self): decoding, init(jsonData:) and JSONDecoder disagree", bytes)
    }
}

import Foundation
import JWTKit
import SpecRuntime

/// The JSON of what warrant signs, written by SpecRuntime's JSON writer instead of Foundation's
/// `JSONEncoder`, which cost more than the ES256 signature itself: claims are JSON values already, and a
/// header's fields map onto them one for one. Anything else goes through jwt-kit's usual encoder.
struct SigningJSONEncoder: JWTJSONEncoder {
    func encode<T: Encodable>(_ value: T) throws -> Data {
        switch value {
        case let claims as JSONClaims: Data(JSONValue.object(claims.members).serialized())
        case let header as JWTHeader: Data(JSONValue.object(header.fields.mapValues(Self.json)).serialized())
        default: try JSONEncoder.defaultForJWT.encode(value)
        }
    }

    static func json(_ field: JWTHeaderField) -> JSONValue {
        switch field {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .int(let number): .integer(Int64(number))
        case .decimal(let number): .number(number)
        case .string(let text): .string(text)
        case .array(let items): .array(items.map(json))
        case .object(let members): .object(members.mapValues(json))
        }
    }
}

import Foundation
import SpecRuntime
import Testing

@testable import WarrantEngine

/// The parts of DPoP that need no server: thumbprints (RFC 7638) and the htu comparison (RFC 9449 §4.3).
@Suite struct DPoPProofTests {
    @Test func thumbprintsAreThoseOfRFC7638() throws {
        // RFC 7638 §3.1: the example RSA key and its thumbprint.
        let key: [String: JSONValue] = [
            "kty": "RSA", "alg": "RS256", "kid": "2011-04-29", "e": "AQAB",
            "n": """
                0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W\
                -5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw
                """,
        ]
        #expect(DPoPProof.thumbprint(key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        // Members outside the required ones do not count; a missing one makes no thumbprint.
        var bare = key
        bare["alg"] = nil
        bare["kid"] = nil
        #expect(DPoPProof.thumbprint(bare) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        bare["e"] = nil
        #expect(DPoPProof.thumbprint(bare) == nil)
        #expect(DPoPProof.thumbprint(["kty": "oct", "k": "c2VjcmV0"]) == nil)
        #expect(DPoPProof.isThumbprint("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"))
        #expect(!DPoPProof.isThumbprint("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9X"))
        #expect(!DPoPProof.isThumbprint("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9X="))
    }

    @Test func htuIgnoresQueryFragmentAndCaseOfSchemeAndHost() {
        let same = [
            ("https://as.example.com/token", "https://as.example.com/token"),
            ("https://as.example.com/token?x=1#f", "https://as.example.com/token"),
            ("HTTPS://AS.Example.COM/token", "https://as.example.com/token"),
            ("https://as.example.com:443/token", "https://as.example.com/token"),
            ("http://as.example.com:80", "http://as.example.com/"),
        ]
        for (a, b) in same { #expect(DPoPProof.sameTarget(a, b), "\(a) \(b)") }
        let different = [
            ("https://as.example.com/Token", "https://as.example.com/token"),
            ("http://as.example.com/token", "https://as.example.com/token"),
            ("https://as.example.com:8443/token", "https://as.example.com/token"),
            ("https://other.example.com/token", "https://as.example.com/token"),
            ("/token", "/token"),
            ("not a url", "not a url"),
        ]
        for (a, b) in different { #expect(!DPoPProof.sameTarget(a, b), "\(a) \(b)") }
    }
}

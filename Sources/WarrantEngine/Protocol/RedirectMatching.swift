import Foundation

/// Exact redirect URI matching, with the one exception RFC 8252 §7.3 makes for native apps on loopback.
enum RedirectMatching {
    /// Exact matching (RFC 9700 §4.1.3) compares bytes: Swift's `==` compares by canonical equivalence, which
    /// would take a Kelvin sign (U+212A) for a K.
    static func same(_ first: String, _ second: String) -> Bool { first.utf8.elementsEqual(second.utf8) }

    static func matches(_ given: String, registered: [String], loopbackPortsVary: Bool) -> Bool {
        if registered.contains(where: { same($0, given) }) { return true }
        guard loopbackPortsVary, var components = URLComponents(string: given), components.scheme == "http",
            let host = components.host, ["127.0.0.1", "::1", "[::1]"].contains(host)
        else { return false }
        components.port = nil
        return registered.contains { candidate in
            guard var registeredComponents = URLComponents(string: candidate) else { return false }
            registeredComponents.port = nil
            return registeredComponents == components
        }
    }
}

import SpecRuntime

/// Pushed authorization requests (RFC 9126): the request_uri values the PAR endpoint issues, which the
/// authorization endpoint takes in place of the request's parameters.
enum PushedRequest {
    static let uriPrefix = "urn:ietf:params:oauth:request_uri:"

    /// What an authorization request that refers to a pushed one carries besides the reference.
    struct Reference {
        var requestUri: String
        /// Every client_id value sent: exactly one must be, naming the client that pushed (RFC 9126 §4).
        var clientIds: [String]
    }

    /// The reference in an authorization request's parameters; nil when they carry none (or are malformed,
    /// which the request's own checks report).
    static func reference(in parameters: String) -> Reference? {
        // Most requests hold no "request" at all (a client does not percent-encode letters): they are not parsed twice.
        guard parameters.contains("request") else { return nil }
        guard let pairs = try? FormEncoding.pairs(from: parameters) else { return nil }
        let uris = pairs.filter { $0.name == "request_uri" }
        guard uris.count == 1, uris[0].value.hasPrefix(uriPrefix) else { return nil }
        return Reference(requestUri: uris[0].value, clientIds: pairs.filter { $0.name == "client_id" }.map(\.value))
    }
}

import Foundation
import SpecRuntime

/// Fetches a request object a client put on the web (RFC 9101 §5.2). The server wires an HTTP client; the
/// engine only says what may be fetched and how much.
public protocol RequestObjectFetching: Sendable {
    /// The body at `url` when it answers 200: at most `limit` bytes, within `timeout`, following no redirect.
    func fetch(_ url: URL, limit: Int, timeout: Duration) async throws -> String
}

/// `request_uri` by reference (RFC 9101 §5.2, OpenID Connect Core §6.2): a URL the client registered in its
/// `requestUris` (Authlete requires the registration, and it keeps warrant from fetching what a caller
/// chooses), https (http on a loopback address), read once with a size and a time limit. What it returns is
/// then the request's `request`, verified as one.
enum RequestObjectReference {
    static let maximumBytes = 65536
    static let timeout: Duration = .seconds(5)
    /// RFC 9101 §5.2: a request_uri should not be longer.
    static let maximumURILength = 512

    struct Reference {
        var url: URL
        /// Every client_id value sent; exactly one must be.
        var clientIds: [String]
        /// The other parameters, in order.
        var rest: [(name: String, value: String)]
    }

    /// The reference in an authorization request's parameters: one request_uri that is not a PAR URN.
    static func reference(in parameters: String) -> Reference? {
        guard parameters.contains("request_uri"), let pairs = try? FormEncoding.pairs(from: parameters) else { return nil }
        // With request beside it, or not an absolute URL, the request's own checks answer.
        let uris = pairs.filter { $0.name == "request_uri" }
        guard uris.count == 1, !pairs.contains(where: { $0.name == "request" }), !uris[0].value.hasPrefix(PushedRequest.uriPrefix),
            let url = URL(string: uris[0].value), url.scheme != nil
        else { return nil }
        return Reference(
            url: url, clientIds: pairs.filter { $0.name == "client_id" }.map(\.value), rest: pairs.filter { $0.name != "request_uri" })
    }

    /// https, or http on a loopback address (for development), with a host.
    static func isFetchable(_ url: URL) -> Bool {
        guard let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return false }
        if scheme == "https" { return true }
        return scheme == "http" && ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
    }

    /// Whether `url` is one of the registered URIs, fragments aside (OpenID Connect Core §6.2: a fragment may
    /// tell versions of the object apart).
    static func isRegistered(_ url: URL, in registered: [String]) -> Bool {
        let given = withoutFragment(url.absoluteString)
        return registered.contains { withoutFragment($0) == given }
    }

    private static func withoutFragment(_ text: String) -> String {
        text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
    }

    /// The request's parameters with the fetched object as `request`, as form text.
    static func parameters(_ reference: Reference, object: String) -> String {
        (reference.rest + [(name: "request", value: object)]).map { FormEncoding.escape($0.name) + "=" + FormEncoding.escape($0.value) }
            .joined(separator: "&")
    }
}

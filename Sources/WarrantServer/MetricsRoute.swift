import Hummingbird
import SpecRuntime
import WarrantEngine

/// `GET /metrics`: the process's metrics in the Prometheus text format, for a scraper. Not part of the
/// spec: it is neither JSON nor Authlete's. With a token configured, it asks for it as a bearer token.
struct MetricsRoute: Sendable {
    let metrics: ServerMetrics
    /// Kept as a hash, compared in constant time.
    let tokenHash: String?

    init(metrics: ServerMetrics, token: String?) {
        self.metrics = metrics
        self.tokenHash = token.map(Secrets.hash)
    }

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    func register(on router: Router<some RequestContext>) {
        router.get("/metrics") { request, _ -> Response in
            guard authorized(request.headers[.authorization]) else {
                return Response(
                    status: .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"metrics\"", .contentType: "text/plain"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: "A bearer token is needed.\n")))
            }
            return Response(
                status: .ok, headers: [.contentType: Self.contentType, .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }

    private func authorized(_ header: String?) -> Bool {
        guard let tokenHash else { return true }
        guard let presented = ServerRoute.bearerCredentials(header) else { return false }
        return Secrets.constantTimeEqual(Secrets.hash(presented.token), tokenHash)
    }
}

import HTTPTypes
import Hummingbird
import Tracing

/// A server span for each request, named by its route, continuing the caller's trace (`traceparent`).
///
/// Hummingbird's `TracingMiddleware` records the path and query as they came, and warrant's paths and queries
/// can hold tokens; this one records a routed path with its token segments redacted (as the request log does),
/// never an unrouted path, a query or a header.
struct RequestSpanMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable
    let tracer: any Tracer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var parent = InstrumentationContext.current ?? .topLevel
        tracer.extract(request.headers, into: &parent, using: HeaderExtractor())
        let span = tracer.startSpan("\(request.method.rawValue) unrouted", context: parent, ofKind: .server)
        span.attributes["http.request.method"] = request.method.rawValue
        func finish(status: Int) {
            // A path no route took is not recorded: its segments are unknown, and any could be a token.
            if let route = context.endpointPath {
                span.operationName = "\(request.method.rawValue) \(route)"
                span.attributes["http.route"] = route
                span.attributes["url.path"] = routes.loggablePath(request.uri.path, template: route)
            }
            span.attributes["http.response.status_code"] = status
            if status >= 500 { span.setStatus(.init(code: .error)) }
            span.end()
        }
        do {
            let response = try await InstrumentationContext.$current.withValue(span.context) { try await next(request, context) }
            finish(status: response.status.code)
            return response
        } catch {
            span.recordError(error)
            finish(status: (error as? any HTTPResponseError)?.status.code ?? 500)
            throw error
        }
    }
}

private struct HeaderExtractor: Extractor {
    func extract(key name: String, from headers: HTTPFields) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }
}

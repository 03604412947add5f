import Hummingbird
import SpecRuntime
import WarrantEngine

/// Answers for requests no route takes, in the API's JSON error form: 404 for an unknown path, 405 with
/// `Allow` for a known path called with another method.
struct UnroutedMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable
    let metrics: ServerMetrics?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            guard let route = routes.route(for: Substring(path)), !route.methods.contains(request.method) else {
                metrics?.unrouted(status: 404)
                return Self.response(.notFound, APIFailure.unknownPath(method: request.method.rawValue, path: path).jsonBody)
            }
            metrics?.unrouted(status: 405)
            let allowed = route.methods.map(\.rawValue).sorted()
            var response = Self.response(
                .methodNotAllowed, APIFailure.methodNotAllowed(method: request.method.rawValue, allowed: allowed).jsonBody)
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }

    private static func response(_ status: HTTPResponse.Status, _ body: JSONValue) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.serialized())))
    }
}

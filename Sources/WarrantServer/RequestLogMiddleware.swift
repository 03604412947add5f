import Hummingbird
import Logging

/// One log line per request: method, path (tokens in it redacted, the query left out), status and time taken.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable
    let level: Logger.Level

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, status: response.status.code, since: start, context: context)
            return response
        } catch {
            log(request, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: start, context: context)
            throw error
        }
    }

    private func log(_ request: Request, status: Int, since start: ContinuousClock.Instant, context: Context) {
        let elapsed = ContinuousClock.now - start
        // The router records the route it matched in the context; the path is known only once it has.
        let path = routes.loggablePath(request.uri.path, template: context.endpointPath)
        context.logger.log(
            level: level, "request",
            metadata: [
                "method": .string(request.method.rawValue), "path": .string(path), "status": .stringConvertible(status),
                "ms": .stringConvertible((elapsed / .microseconds(1)).rounded() / 1000),
            ])
    }
}

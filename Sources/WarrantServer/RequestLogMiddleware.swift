import Hummingbird
import Logging

/// One log line per request: method, path (secrets redacted, query left out), status and time taken.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable
    let level: Logger.Level

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let path = routes.loggablePath(request.uri.description)
        do {
            let response = try await next(request, context)
            log(request, path: path, status: response.status.code, since: start, context: context)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            log(request, path: path, status: status, since: start, context: context)
            throw error
        }
    }

    private func log(_ request: Request, path: String, status: Int, since start: ContinuousClock.Instant, context: Context) {
        let elapsed = ContinuousClock.now - start
        context.logger.log(
            level: level, "request",
            metadata: [
                "method": .string(request.method.rawValue), "path": .string(path), "status": .stringConvertible(status),
                "ms": .stringConvertible((elapsed / .microseconds(1)).rounded() / 1000),
            ])
    }
}

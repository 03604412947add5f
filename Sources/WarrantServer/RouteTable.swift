import HTTPTypes

/// The API's paths and methods, as the router holds them: to tell an unknown path (404) from a known path
/// called with another method (405), and to keep secrets that travel in paths out of the logs.
struct RouteTable: Sendable {
    struct Route: Sendable {
        /// Path segments; a captured one is nil, with its parameter name in `captures`.
        var segments: [Substring?]
        var captures: [Int: Substring]
        var methods: Set<HTTPRequest.Method>
    }

    private var routes: [Route] = []

    /// - Parameter routes: pairs of a router path (`/api/:serviceId/…` or `/api/{serviceId}/…`) and a method.
    init(_ routes: [(path: String, method: HTTPRequest.Method)]) {
        var byPath: [String: Route] = [:]
        for (path, method) in routes {
            if byPath[path] == nil {
                var segments: [Substring?] = []
                var captures: [Int: Substring] = [:]
                for (index, segment) in path.split(separator: "/").enumerated() {
                    if segment.hasPrefix(":") || (segment.hasPrefix("{") && segment.hasSuffix("}")) {
                        segments.append(nil)
                        captures[index] = segment.trimmingPrefix(":").trimmingPrefix("{").prefix { $0 != "}" }
                    } else {
                        segments.append(segment)
                    }
                }
                byPath[path] = Route(segments: segments, captures: captures, methods: [])
            }
            byPath[path]?.methods.insert(method)
        }
        self.routes = Array(byPath.values)
    }

    /// The route whose template matches the path (no query), if any.
    func route(for path: Substring) -> Route? {
        let segments = path.split(separator: "/")
        return routes.first { route in
            route.segments.count == segments.count && zip(route.segments, segments).allSatisfy { $0 == nil || $0 == $1 }
        }
    }

    /// The path for logs: without its query, and with every captured segment whose name says it is a token
    /// replaced by `[redacted]`.
    func loggablePath(_ uri: String) -> String {
        let path = uri.prefix { $0 != "?" }
        guard let route = route(for: path) else { return String(path) }
        let segments = path.split(separator: "/").enumerated().map { index, segment in
            route.captures[index].map { $0.lowercased().contains("token") } == true ? "[redacted]" : segment
        }
        return "/" + segments.joined(separator: "/")
    }
}

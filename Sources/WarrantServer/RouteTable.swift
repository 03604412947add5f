import HTTPTypes

/// The API's paths and methods, as the router holds them: to tell an unknown path (404) from a known path
/// called with another method (405), and to keep secrets that travel in paths out of the logs.
struct RouteTable: Sendable {
    struct Route: Sendable {
        /// Path segments; a captured one is nil, with its parameter name in `captures`.
        var segments: [Substring?]
        var captures: [Int: Substring]
        var methods: Set<HTTPRequest.Method>

        /// The indexes of captured segments that hold tokens (by their parameter's name), for the logs.
        var secretSegments: Set<Int> { Set(captures.filter { $0.value.lowercased().contains("token") }.keys) }
    }

    private var routes: [Route] = []
    /// The secret segments of each route, by its path as the router writes it.
    private var secretSegments: [String: Set<Int>] = [:]

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
        self.secretSegments = byPath.mapValues(\.secretSegments)
    }

    /// The route whose template matches the path (no query), if any.
    func route(for path: Substring) -> Route? {
        let segments = path.split(separator: "/")
        return routes.first { route in
            route.segments.count == segments.count && zip(route.segments, segments).allSatisfy { $0 == nil || $0 == $1 }
        }
    }

    /// The path for logs, with every captured segment whose name says it is a token replaced by
    /// `[redacted]`. `template` is the route the router matched (its `endpointPath`), so a request to an API
    /// costs one dictionary look-up; only a request no route took is matched here.
    func loggablePath(_ path: String, template: String?) -> String {
        guard let secrets = template.flatMap({ secretSegments[$0] }) ?? route(for: Substring(path))?.secretSegments, !secrets.isEmpty
        else { return path }
        let segments = path.split(separator: "/").enumerated().map { index, segment in secrets.contains(index) ? "[redacted]" : segment }
        return "/" + segments.joined(separator: "/")
    }
}

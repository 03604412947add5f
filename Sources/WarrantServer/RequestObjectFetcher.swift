import AsyncHTTPClient
import Foundation
import NIOCore
import WarrantEngine

/// Fetches request objects from the URLs clients registered (RFC 9101 §5.2) with AsyncHTTPClient: no
/// redirect followed, the body capped, the whole exchange within the engine's time limit.
struct RequestObjectFetcher: RequestObjectFetching {
    /// One client for the process, never shut down, as `HTTPClient.shared` is; this one follows no redirect,
    /// so a registered URL cannot send warrant elsewhere.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(5))))

    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    func fetch(_ url: URL, limit: Int, timeout: Duration) async throws -> String {
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                var request = HTTPClientRequest(url: url.absoluteString)
                request.headers.add(name: "Accept", value: "application/oauth-authz-req+jwt, application/jwt")
                let response = try await Self.client.execute(request, timeout: .milliseconds(timeout.milliseconds))
                guard response.status == .ok else { throw Refused(description: "HTTP \(response.status.code)") }
                return String(buffer: try await response.body.collect(upTo: limit))
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Refused(description: "no answer within \(timeout)")
            }
            defer { group.cancelAll() }
            guard let body = try await group.next() else { throw Refused(description: "no answer") }
            return body
        }
    }
}

extension Duration {
    /// Whole milliseconds, for NIO's TimeAmount.
    fileprivate var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

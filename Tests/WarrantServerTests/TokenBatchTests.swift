import Foundation
import SpecRuntime
import Testing
import WarrantClient

/// /auth/token/create/batch and its status: checked at once, created in the background, all or nothing.
@Suite(.serialized) struct TokenBatchTests {
    typealias Flow = TokenFlowTests.Flow

    static func submit(_ flow: Flow, _ requests: [TokenCreateRequest], dryRun: Bool = false) async throws -> Operations.TokenCreateBatch.Output {
        try await flow.api.tokenCreateBatch(.init(path: .init(serviceId: flow.serviceId), query: .init(dryRun: dryRun), body: requests))
    }

    /// The status once the batch has finished (it runs in the background; a finished batch stays finished).
    static func finished(_ flow: Flow, _ requestId: String) async throws -> TokenBatchStatus {
        for _ in 0..<200 {
            guard case .ok(let answer) = try await flow.api.tokenCreateBatchStatus(
                .init(path: .init(serviceId: flow.serviceId, requestId: requestId)))
            else { throw UnexpectedOutput() }
            if answer.status.result != nil { return answer.status }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw UnexpectedOutput()
    }

    static func migrated(_ flow: Flow, _ value: String, subject: String = "alice") -> TokenCreateRequest {
        TokenCreateRequest(
            grantType: .authorizationCode, clientId: flow.client.clientId, subject: subject, scopes: ["openid"], accessToken: value,
            refreshToken: "refresh-" + value)
    }

    @Test func aBatchCreatesEveryTokenInTheBackground() async throws {
        try await TokenFlowTests.withFlow { flow in
            let values = (0..<30).map { "migrated-access-token-\($0)-" + String(repeating: "x", count: 20) }
            guard case .ok(let accepted) = try await Self.submit(flow, values.map { Self.migrated(flow, $0) }) else { throw UnexpectedOutput() }
            #expect(accepted.resultCode == "A109002" && !accepted.requestId.isEmpty)
            let status = try await Self.finished(flow, accepted.requestId)
            #expect(status.result == .succeeded && status.tokenCount == 30 && status.batchKind == .create && status.requestId == accepted.requestId)
            #expect(status.errorCode == nil && status.createdAt <= status.modifiedAt)
            // Each migrated token works, with the value the batch gave it, and so does its refresh token.
            for value in [values[0], values[29]] {
                let answer = try await IntrospectionTests.introspect(flow, value)
                #expect(answer.action == .ok && answer.subject == "alice" && answer.scopes == ["openid"])
            }
            let refreshed = try await flow.token("grant_type=refresh_token&refresh_token=refresh-\(values[3])", clientId: flow.clientId, secret: flow.secret)
            #expect(refreshed.action == .ok)
        }
    }

    @Test func everyRefusedRequestIsNamedByIndexAndNothingIsCreated() async throws {
        try await TokenFlowTests.withFlow { flow in
            _ = try await TokenManagementTests.create(flow, Self.migrated(flow, "already-in-use-token-value"))
            let requests = [
                Self.migrated(flow, "fresh-token-value-one"),
                TokenCreateRequest(grantType: .authorizationCode, clientId: flow.client.clientId, subject: "alice", scopes: ["payments"]),
                Self.migrated(flow, "already-in-use-token-value"),
                Self.migrated(flow, "fresh-token-value-one"),
                TokenCreateRequest(grantType: .authorizationCode, clientIdentifier: "nobody", subject: "alice"),
            ]
            guard case .badRequest(let refused) = try await Self.submit(flow, requests) else { throw UnexpectedOutput() }
            #expect(refused.resultCode == "A109205")
            #expect(refused.fieldViolations?.map(\.path) == ["/1", "/2/accessToken", "/2/refreshToken", "/3/accessToken", "/3/refreshToken", "/4"])
            #expect(try await IntrospectionTests.introspect(flow, "fresh-token-value-one").action == .unauthorized)

            let tooMany = Array(repeating: TokenCreateRequest(grantType: .clientCredentials, clientId: flow.client.clientId), count: 1001)
            guard case .badRequest(let tooLarge) = try await Self.submit(flow, tooMany) else { throw UnexpectedOutput() }
            #expect(tooLarge.fieldViolations?.first?.message.contains("holds 1001 requests") == true)
        }
    }

    @Test func aDryRunChecksAndCreatesNothing() async throws {
        try await TokenFlowTests.withFlow { flow in
            guard case .ok(let accepted) = try await Self.submit(flow, [Self.migrated(flow, "dry-run-token-value-one")], dryRun: true)
            else { throw UnexpectedOutput() }
            let status = try await Self.finished(flow, accepted.requestId)
            #expect(status.result == .succeeded && status.tokenCount == 0)
            #expect(try await IntrospectionTests.introspect(flow, "dry-run-token-value-one").action == .unauthorized)
            // Another service's batch, or none: 404.
            guard case .notFound = try await flow.api.tokenCreateBatchStatus(.init(path: .init(serviceId: flow.serviceId, requestId: "nope")))
            else { throw UnexpectedOutput() }
        }
    }
}

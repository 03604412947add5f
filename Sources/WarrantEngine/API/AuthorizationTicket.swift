import SpecRuntime
import WarrantAPI
import WarrantStore

/// A front end reads and annotates a pending authorization ticket between its pages; the ticket stays
/// pending, and /auth/authorization/issue answers the information as ticketInfo.
extension WarrantEngine {
    public func authorizationTicketGet(_ input: Operations.AuthorizationTicketGet.Input) async throws
        -> Operations.AuthorizationTicketGet.Output
    {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        guard
            let record = try await store.ticket(
                hash: Secrets.hash(input.body.ticket), kind: .authorization, serviceApiKey: service.apiKey, now: now())
        else { return .ok(Self.ticketAnswer(.notFound, .ticketUnknown)) }
        let request = try StoredJSON.decode(ParsedAuthorizationRequest.self, from: record.payload)
        return .ok(Self.ticketAnswer(.ok, .ticketInfoRead, info: AuthorizationTicketInfo(context: request.context)))
    }

    public func authorizationTicketUpdate(_ input: Operations.AuthorizationTicketUpdate.Input) async throws
        -> Operations.AuthorizationTicketUpdate.Output
    {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        // JSON text, as Authlete's document has it, or the object, as its Python SDK sends it.
        var given = input.body.info
        if case .string(let text) = given { given = (try? JSONValue(parsing: text)) ?? .null }
        var violations = Violations()
        guard let info = AuthorizationTicketInfo(json: given, at: JSONPath.root, violations: &violations), violations.isEmpty else {
            return .ok(Self.ticketAnswer(.callerError, .ticketInfoInvalid))
        }
        let hash = Secrets.hash(input.body.ticket)
        let time = now()
        guard let record = try await store.ticket(hash: hash, kind: .authorization, serviceApiKey: service.apiKey, now: time) else {
            return .ok(Self.ticketAnswer(.notFound, .ticketUnknown))
        }
        var request = try StoredJSON.decode(ParsedAuthorizationRequest.self, from: record.payload)
        request.context = info.context
        // The update is conditional on the ticket still pending: one issued meanwhile is not brought back.
        guard
            try await store.updateTicket(
                hash: hash, kind: .authorization, serviceApiKey: service.apiKey, payload: try StoredJSON.encode(request), now: time)
        else { return .ok(Self.ticketAnswer(.notFound, .ticketUnknown)) }
        return .ok(Self.ticketAnswer(.ok, .ticketInfoUpdated, info: info))
    }

    private static func ticketAnswer(
        _ action: AuthorizationTicketInfoAction, _ result: ResultCode, info: AuthorizationTicketInfo? = nil
    ) -> AuthorizationTicketInfoResponse {
        AuthorizationTicketInfoResponse(resultCode: result.code, resultMessage: result.message, action: action, info: info)
    }
}

import WarrantAPI

extension WarrantEngine {
    /// OpenID Federation is not implemented: the answer Authlete gives a service that has not enabled it.
    public func federationConfiguration(_ input: Operations.FederationConfiguration.Input) async throws
        -> Operations.FederationConfiguration.Output
    {
        _ = try await servicePolicy(input.path.serviceId, input.credentials)
        let result = ResultCode.federationNotEnabled
        return .ok(
            FederationConfigurationResponse(
                resultCode: result.code, resultMessage: result.message, action: .notFound, responseContent: Self.federationNotFound))
    }

    public func federationRegistration(_ input: Operations.FederationRegistration.Input) async throws
        -> Operations.FederationRegistration.Output
    {
        _ = try await servicePolicy(input.path.serviceId, input.credentials)
        let result = ResultCode.federationNotEnabled
        return .ok(
            FederationRegistrationResponse(
                resultCode: result.code, resultMessage: result.message, action: .notFound, responseContent: Self.federationNotFound))
    }

    /// The error body of both (OpenID Federation 1.0 §8.9 names `not_found` for what a server does not have).
    private static let federationNotFound = OAuthError("not_found", "OpenID Federation is not enabled on this service.", .federationNotEnabled).jsonBody()
}

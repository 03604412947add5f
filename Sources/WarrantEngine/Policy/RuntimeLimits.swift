import WarrantAPI

/// The runtime APIs, and their body caps, which a front end calls for every OAuth request it receives: smaller than
/// the 1 MiB the management APIs take (a client's JWK Set, a service with many scopes).
public enum RuntimeLimits {
    /// The most bytes a runtime API's body may have.
    public static let bodyBytes = 128 * 1024

    /// The runtime APIs: those a front end calls for the OAuth requests it receives.
    public static let operations: Set<String> = [
        Operations.Authorization.id, Operations.AuthorizationIssue.id, Operations.AuthorizationFail.id, Operations.AuthToken.id,
        Operations.TokenIssue.id, Operations.TokenFail.id, Operations.TokenExchange.id, Operations.Introspection.id,
        Operations.StandardIntrospection.id, Operations.Revocation.id, Operations.UserInfo.id, Operations.UserInfoIssue.id,
        Operations.IdTokenReissue.id, Operations.PushedAuthReq.id,
    ]

    public static let bodyBytesByOperation: [String: Int] = Dictionary(uniqueKeysWithValues: operations.map { ($0, bodyBytes) })
}

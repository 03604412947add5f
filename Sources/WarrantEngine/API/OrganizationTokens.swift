import WarrantAPI
import WarrantStore

/// The organization token: rotated by a call made with it.
extension WarrantEngine {
    public func organizationTokenRotate(_ input: Operations.OrganizationTokenRotate.Input) async throws
        -> Operations.OrganizationTokenRotate.Output
    {
        let current = try await access.token(input.credentials)
        guard current.serviceApiKey == nil else { throw APIFailure(403, .organizationTokenRequired) }
        let time = now()
        let retireAt = Bounds.expiry(from: time, seconds: input.body.gracePeriod)
        let value = Secrets.token()
        let replacement = APITokenRecord(
            id: Secrets.identifier(), hash: Secrets.hash(value), organizationId: current.organizationId, serviceApiKey: nil,
            description: input.body.description ?? "Organization token, rotated from \(current.id)", createdAt: time)
        // The same call twice at once: the second finds its token retired (or gone) and is refused.
        guard try await store.rotateOrganizationToken(retiring: current.id, retireAt: retireAt, replacement: replacement, now: time) else {
            throw APIFailure(401, .unauthenticated)
        }
        let retiredAt = min(current.expiresAt ?? retireAt, retireAt)
        logger.notice(
            "organization token rotated", metadata: ["retired": "\(current.id)", "retiredAt": "\(retiredAt)", "tokenId": "\(replacement.id)"])
        return .ok(
            OrganizationTokenRotateResponse(
                resultCode: ResultCode.organizationTokenRotated.code, resultMessage: ResultCode.organizationTokenRotated.message,
                accessToken: value, tokenId: replacement.id, retiredTokenId: current.id, retiredAt: retiredAt))
    }
}

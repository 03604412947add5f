import WarrantStore

extension GrantedScopesRecord {
    /// What a user consented to with a grant (the authorization they approved, the password they gave);
    /// nil for a grant no user gave.
    static func given(with grant: GrantRecord, scopes: [String]) -> GrantedScopesRecord? {
        guard let subject = grant.subject else { return nil }
        let joined = scopes.joined(separator: " ")
        return GrantedScopesRecord(
            serviceApiKey: grant.serviceApiKey, clientId: grant.clientId, subject: subject, latestScopes: joined, mergedScopes: joined,
            modifiedAt: grant.createdAt)
    }
}

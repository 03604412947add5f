import Logging
import WarrantStore

/// Creates the organization and its organization token the first time warrant meets an empty database.
public enum Bootstrap {
    public enum Outcome: Equatable, Sendable {
        /// A new organization; `generatedToken` is set when warrant made the token (to be shown once).
        case created(organizationId: Int64, generatedToken: String?)
        case alreadyInitialized
    }

    /// - Parameter organizationToken: the token to use (`WARRANT_ORGANIZATION_TOKEN`); a random one when nil.
    public static func run(store: any WarrantStore, organizationToken: String?, now: Int64) async throws -> Outcome {
        guard try await store.organizationCount() == 0 else { return .alreadyInitialized }
        let token = organizationToken ?? Secrets.token()
        let organization = OrganizationRecord(id: Secrets.numericID(), name: "Default organization", createdAt: now)
        let record = APITokenRecord(
            id: Secrets.identifier(), hash: Secrets.hash(token), organizationId: organization.id, serviceApiKey: nil,
            description: "Organization token created at first start", createdAt: now)
        // Several nodes may start together on an empty database: one of them creates the organization.
        guard try await store.createFirstOrganization(organization, token: record) else { return .alreadyInitialized }
        return .created(organizationId: organization.id, generatedToken: organizationToken == nil ? token : nil)
    }
}

import SpecRuntime
import WarrantAPI

/// Rich authorization requests (RFC 9396): `authorization_details`, an array of objects each naming its
/// `type`, checked against the types the service and the client accept, then carried by the grant into its
/// tokens (the JWT access token's claim, introspection, token responses).
enum RichAuthorization {
    /// The common members of RFC 9396 §2.2 and the type each must have.
    private static let stringArrays = ["locations", "actions", "datatypes", "privileges"]
    static let maximumElements = 64

    static func invalid(_ description: String) -> OAuthError { OAuthError("invalid_authorization_details", description) }

    /// The parameter's elements, checked; the `invalid_authorization_details` error otherwise.
    static func parse(_ text: String, service: ServicePolicy, client: ClientPolicy) -> Result<[JSONValue], OAuthError> {
        guard let value = try? JSONValue(parsing: Array(text.utf8)), case .array(let elements) = value else {
            return .failure(invalid("authorization_details must be a JSON array of objects."))
        }
        return check(elements, service: service, client: client)
    }

    static func check(_ elements: [JSONValue], service: ServicePolicy, client: ClientPolicy) -> Result<[JSONValue], OAuthError> {
        guard elements.count <= maximumElements else { return .failure(invalid("authorization_details has more than \(maximumElements) elements.")) }
        for (index, element) in elements.enumerated() {
            guard case .object(let members) = element else { return .failure(invalid("authorization_details[\(index)] is not an object.")) }
            guard let type = members["type"]?.stringValue, !type.isEmpty else {
                return .failure(invalid("authorization_details[\(index)] has no type string."))
            }
            guard service.authorizationDetailsTypes.contains(type) else {
                return .failure(invalid("The authorization_details type '\(type)' is not one the service accepts."))
            }
            if let allowed = client.authorizationDetailsTypes, !allowed.contains(type) {
                return .failure(invalid("The client may not use the authorization_details type '\(type)'."))
            }
            for name in stringArrays {
                guard let member = members[name] else { continue }
                guard case .array(let items) = member, items.allSatisfy({ $0.stringValue != nil }) else {
                    return .failure(invalid("authorization_details[\(index)].\(name) must be an array of strings."))
                }
            }
            if let identifier = members["identifier"], identifier.stringValue == nil {
                return .failure(invalid("authorization_details[\(index)].identifier must be a string."))
            }
        }
        return .success(elements)
    }

    /// RFC 9396 §6.2: a token request may ask for some of what was granted, never more; each element it names
    /// must be one of the granted ones.
    static func narrowed(_ text: String?, granted: [JSONValue]?) -> Result<[JSONValue]?, OAuthError> {
        guard let text else { return .success(granted) }
        guard let value = try? JSONValue(parsing: Array(text.utf8)), case .array(let requested) = value else {
            return .failure(invalid("authorization_details must be a JSON array of objects."))
        }
        let granted = granted ?? []
        guard requested.count <= granted.count, requested.allSatisfy(granted.contains) else {
            return .failure(invalid("authorization_details may only name details the authorization granted."))
        }
        // Each granted element once: repeating one would only grow every token made from it.
        var seen: [JSONValue] = []
        for element in requested where !seen.contains(element) { seen.append(element) }
        guard seen.count == requested.count else { return .failure(invalid("authorization_details names an element twice.")) }
        return .success(requested)
    }

    /// The wire form of Authlete's answers.
    static func wire(_ elements: [JSONValue]?) -> AuthorizationDetails? {
        elements.map { AuthorizationDetails(elements: $0) }
    }
}

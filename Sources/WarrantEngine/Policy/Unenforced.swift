import WarrantAPI

/// Settings of the Authlete contract that warrant does not enforce yet. Accepting one would promise a
/// protection that is not there, so create and update refuse them with a 400 naming each.
enum Unenforced {
    static func settings(of service: Service) -> [String] {
        var names: [String] = []
        if service.singleAccessTokenPerSubject == true { names.append("singleAccessTokenPerSubject") }
        if service.missingClientIdAllowed == true { names.append("missingClientIdAllowed") }
        return names
    }

    static func settings(of client: OAuthClient) -> [String] {
        var names: [String] = []
        let flags: [(String, Bool?)] = [
            ("dpopRequired", client.dpopRequired),
            ("tlsClientCertificateBoundAccessTokens", client.tlsClientCertificateBoundAccessTokens),
            ("parRequired", client.parRequired), ("requestObjectRequired", client.requestObjectRequired),
            ("singleAccessTokenPerSubject", client.singleAccessTokenPerSubject), ("authTimeRequired", client.authTimeRequired),
        ]
        for (name, value) in flags where value == true { names.append(name) }
        if client.subjectType == .pairwise { names.append("subjectType") }
        if client.sectorIdentifierUri != nil { names.append("sectorIdentifierUri") }
        if client.authorizationSignAlg != nil { names.append("authorizationSignAlg") }
        if !(client.defaultAcrs ?? []).isEmpty { names.append("defaultAcrs") }
        return names
    }
}

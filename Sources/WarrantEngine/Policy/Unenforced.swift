import WarrantAPI

/// Settings of the Authlete contract that ask for behaviour warrant does not have yet. Accepting one would
/// promise a protection or a feature that is not there, so create and update refuse them with a 400 naming
/// each. Settings that only parameterize such a feature (a duration, a key ID, a list of supported values)
/// are stored and returned, and take effect with the feature; the README's settings table lists both kinds.
enum Unenforced {
    static func settings(of service: Service) -> [String] {
        var names: [String] = []
        let switches: [(String, Bool?)] = [
            ("singleAccessTokenPerSubject", service.singleAccessTokenPerSubject), ("missingClientIdAllowed", service.missingClientIdAllowed),
            ("grantManagementActionRequired", service.grantManagementActionRequired), ("rsResponseSigned", service.rsResponseSigned),
            ("nativeSsoSupported", service.nativeSsoSupported), ("claimShortcutRestrictive", service.claimShortcutRestrictive),
            ("federationEnabled", service.federationEnabled), ("clientIdMetadataDocumentSupported", service.clientIdMetadataDocumentSupported),
            ("dynamicRegistrationSupported", service.dynamicRegistrationSupported), ("hsmEnabled", service.hsmEnabled),
            ("frontChannelRequestObjectEncryptionRequired", service.frontChannelRequestObjectEncryptionRequired),
            ("tokenExpirationLinked", service.tokenExpirationLinked),
            ("refreshTokenIdempotent", service.refreshTokenIdempotent),
            ("openidDroppedOnRefreshWithoutOfflineAccess", service.openidDroppedOnRefreshWithoutOfflineAccess),
            ("verifiableCredentialsEnabled", service.verifiableCredentialsEnabled),
        ]
        for (name, value) in switches where value == true { names.append(name) }
        let values: [(String, Bool)] = [
            ("grantManagementEndpoint", service.grantManagementEndpoint != nil),
            ("registrationManagementEndpoint", service.registrationManagementEndpoint != nil),
            ("tokenBatchNotificationEndpoint", service.tokenBatchNotificationEndpoint != nil),
            ("accessTokenSignatureKeyId", service.accessTokenSignatureKeyId != nil),
            ("idTokenSignatureKeyId", service.idTokenSignatureKeyId != nil),
            ("userInfoSignatureKeyId", service.userInfoSignatureKeyId != nil),
            ("authorizationSignatureKeyId", service.authorizationSignatureKeyId != nil),
            ("allowableClockSkew", (service.allowableClockSkew ?? 0) != 0),
        ]
        for (name, given) in values where given { names.append(name) }
        return names
    }

    static func settings(of client: OAuthClient) -> [String] {
        var names: [String] = []
        let flags: [(String, Bool?)] = [
            ("frontChannelRequestObjectEncryptionRequired", client.frontChannelRequestObjectEncryptionRequired),
            ("singleAccessTokenPerSubject", client.singleAccessTokenPerSubject), ("authTimeRequired", client.authTimeRequired),
            ("rsRequestSigned", client.rsRequestSigned),
        ]
        for (name, value) in flags where value == true { names.append(name) }
        let values: [(String, Bool)] = [
            ("subjectType", client.subjectType == .pairwise), ("sectorIdentifierUri", client.sectorIdentifierUri != nil),
            ("authorizationEncryptionAlg", client.authorizationEncryptionAlg != nil),
            ("authorizationEncryptionEnc", client.authorizationEncryptionEnc != nil), ("defaultAcrs", !(client.defaultAcrs ?? []).isEmpty),
            ("idTokenEncryptionAlg", client.idTokenEncryptionAlg != nil), ("idTokenEncryptionEnc", client.idTokenEncryptionEnc != nil),
            ("userInfoEncryptionAlg", client.userInfoEncryptionAlg != nil), ("userInfoEncryptionEnc", client.userInfoEncryptionEnc != nil),
        ]
        for (name, given) in values where given { names.append(name) }
        return names
    }
}

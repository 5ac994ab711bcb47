extension HTTPClientConfig {
    /// `oauth2:`, the client-credentials grant: a token fetched from `token_url` with the client's
    /// id and secret, sent as `Authorization: Bearer`. Remote write uses it; scrapes and discovery
    /// do not yet.
    package struct OAuth2: Sendable, Equatable, Decodable {
        package var clientID: String
        package var clientSecret: String?
        package var clientSecretFile: String?
        package var scopes: [String] = []
        package var tokenURL: String
        package var endpointParams: [String: String] = [:]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case clientID = "client_id"
            case clientSecret = "client_secret"
            case clientSecretFile = "client_secret_file"
            case scopes
            case tokenURL = "token_url"
            case endpointParams = "endpoint_params"
        }

        package init(clientID: String, clientSecret: String? = nil, tokenURL: String) {
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.tokenURL = tokenURL
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            clientID = try container.decodeIfPresent(String.self, forKey: .clientID) ?? ""
            clientSecret = try container.decodeIfPresent(String.self, forKey: .clientSecret)
            clientSecretFile = try container.decodeIfPresent(String.self, forKey: .clientSecretFile)
            scopes = try container.decodeIfPresent([String].self, forKey: .scopes) ?? []
            tokenURL = try container.decodeIfPresent(String.self, forKey: .tokenURL) ?? ""
            endpointParams = try container.decodeIfPresent([String: String].self, forKey: .endpointParams) ?? [:]
            guard !clientID.isEmpty else {
                throw DecodingError.dataCorruptedError(forKey: .clientID, in: container, debugDescription: "oauth2 client_id must be configured")
            }
            guard !tokenURL.isEmpty else {
                throw DecodingError.dataCorruptedError(forKey: .tokenURL, in: container, debugDescription: "oauth2 token_url must be configured")
            }
            if clientSecret != nil && clientSecretFile != nil {
                throw DecodingError.dataCorruptedError(
                    forKey: .clientSecret, in: container, debugDescription: "at most one of oauth2 client_secret & client_secret_file must be configured")
            }
        }

        /// The client secret, reading `client_secret_file` now so a rotated secret is picked up.
        package func secret() throws -> String {
            if let clientSecretFile { return try HTTPClientConfig.readSecret(clientSecretFile) }
            return clientSecret ?? ""
        }
    }
}

import NIOSSL

extension HTTPClientConfig.TLSConfig {
    /// NIOSSL settings for `tls_config`; nil keeps the client's defaults (system trust roots).
    package func nioConfiguration() throws -> TLSConfiguration? {
        guard !isDefault else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        // The files are read for each request, and by content: a rotated CA, certificate or key is
        // used from the next connection on, without a reload (the client's context cache is keyed by
        // the configuration, so a path alone would keep the old CA).
        if let caFile { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile)) }
        if let certFile, let keyFile {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) }
            // Read as PEM whatever the name ends with (NIOSSL guesses the format from `.pem`/`.der` only).
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        }
        if insecureSkipVerify { tls.certificateVerification = .none }
        return tls
    }
}

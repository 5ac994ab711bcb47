/// Relative paths in a configuration are read from the directory of the file that holds them, as
/// Prometheus's `SetDirectory` does: `file_sd_configs` files and globs, `rule_files`, and every
/// `*_file` (password, credentials, bearer token, CA, certificate and key), wherever an HTTP client
/// or discovery block appears. A configuration that works with Prometheus finds the same files here.
extension PrometheusConfig {
    /// The configuration with every relative path joined onto `directory`.
    package func resolvingPaths(relativeTo directory: String) -> PrometheusConfig {
        var config = self
        let join = { (path: String) in Self.join(directory, path) }
        config.ruleFiles = ruleFiles.map(join)
        config.scrapeConfigs = scrapeConfigs.map { scrape in
            var scrape = scrape
            scrape.discovery = scrape.discovery.resolvingPaths(join)
            return scrape
        }
        config.alerting.alertmanagers = alerting.alertmanagers.map { manager in
            var manager = manager
            manager.discovery = manager.discovery.resolvingPaths(join)
            return manager
        }
        config.remoteWrite = remoteWrite.map { remote in
            var remote = remote
            remote.http = remote.http.resolvingPaths(join)
            return remote
        }
        config.remoteRead = remoteRead.map { remote in
            var remote = remote
            remote.http = remote.http.resolvingPaths(join)
            return remote
        }
        return config
    }

    /// `path` if absolute or empty, else `directory/path`, cleaned as Go's `filepath.Join` cleans it
    /// (`./rules.yml` is `rules.yml`, `conf/../rules.yml` is `rules.yml`), so rule groups show the
    /// file names Prometheus shows.
    static func join(_ directory: String, _ path: String) -> String {
        guard !path.isEmpty, !path.hasPrefix("/"), !directory.isEmpty else { return path }
        return clean(directory.hasSuffix("/") ? directory + path : directory + "/" + path)
    }

    /// Go's `path.Clean`: no `.` elements, `..` folded into the element before it where there is one.
    static func clean(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else if part == ".." && absolute {
                continue
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// The directory holding `file` ("." for a bare name).
    package static func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return slash == file.startIndex ? "/" : String(file[..<slash])
    }
}

extension FileSDConfig {
    func resolvingPaths(_ join: (String) -> String) -> FileSDConfig {
        var copy = self
        copy.files = files.map(join)
        return copy
    }
}

extension KubernetesSDConfig {
    func resolvingPaths(_ join: (String) -> String) -> KubernetesSDConfig {
        var copy = self
        copy.http = http.resolvingPaths(join)
        return copy
    }
}

extension HTTPClientConfig {
    func resolvingPaths(_ join: (String) -> String) -> HTTPClientConfig {
        var copy = self
        copy.basicAuth?.passwordFile = basicAuth?.passwordFile.map(join)
        copy.authorization?.credentialsFile = authorization?.credentialsFile.map(join)
        copy.oauth2?.clientSecretFile = oauth2?.clientSecretFile.map(join)
        copy.tlsConfig.caFile = tlsConfig.caFile.map(join)
        copy.tlsConfig.certFile = tlsConfig.certFile.map(join)
        copy.tlsConfig.keyFile = tlsConfig.keyFile.map(join)
        return copy
    }
}

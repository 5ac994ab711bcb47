/// Meta-label naming shared by the pod and node roles.
enum MetaLabels {
    static let prefix = "__meta_kubernetes_"

    /// Prometheus's `strutil.SanitizeLabelName`: every character outside `[a-zA-Z0-9_]` becomes `_`.
    static func sanitize(_ name: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_": out.append(scalar)
            default: out.append("_")
            }
        }
        return String(out)
    }

    /// `<role>_label_*`, `<role>_labelpresent_*`, `<role>_annotation_*` and `<role>_annotationpresent_*`.
    static func addObjectMeta(_ meta: Kubernetes.ObjectMeta, role: String, to labels: inout [String: String]) {
        for (key, value) in meta.labels ?? [:] {
            let name = sanitize(key)
            labels["\(prefix)\(role)_label_\(name)"] = value
            labels["\(prefix)\(role)_labelpresent_\(name)"] = "true"
        }
        for (key, value) in meta.annotations ?? [:] {
            let name = sanitize(key)
            labels["\(prefix)\(role)_annotation_\(name)"] = value
            labels["\(prefix)\(role)_annotationpresent_\(name)"] = "true"
        }
    }

    /// Go's `net.JoinHostPort`: IPv6 hosts are bracketed.
    static func joinHostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

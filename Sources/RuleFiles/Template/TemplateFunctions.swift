/// The functions a rule template may call: Go's text/template built-ins and Prometheus's own
/// (prometheus/template). Calling any other is a load error.
package enum TemplateFunctions {
    package static let builtins: Set<String> = [
        "and", "or", "not", "len", "index", "slice", "print", "printf", "println", "html", "js", "urlquery", "call",
        "eq", "ne", "lt", "le", "gt", "ge",
    ]

    package static let prometheus: Set<String> = [
        "query", "first", "label", "value", "strvalue", "args", "reReplaceAll", "safeHtml", "match", "title", "toUpper", "toLower",
        "graphLink", "tableLink", "sortByLabel", "humanize", "humanize1024", "humanizeDuration", "humanizePercentage",
        "humanizeTimestamp", "toTime", "toDuration", "pathPrefix", "externalURL", "parseDuration", "stripPort", "stripDomain", "now",
    ]

    package static let names = builtins.union(prometheus)
}

import Yams

extension DAGFileReader {
    static let callbackKeys = ["url", "format", "timeout", "retries", "headers"]

    /// Reads a callback setting: a URL, a mapping `{url, format, timeout, retries, headers}`, or a list of those.
    mutating func readCallbacks(_ node: Node, what: String) -> [CallbackSpec] {
        if node.isNull { return [] }
        if case .sequence(let items) = node {
            return items.flatMap { readCallbacks($0, what: what) }
        }
        if case .scalar = node, let url = string(node, what: what) {
            return checkedURL(url, node: node, what: what).map { [CallbackSpec(url: $0)] } ?? []
        }
        guard let pairs = mapping(node, what: what) else { return [] }
        checkKeys(pairs, allowed: Self.callbackKeys, place: what)
        let fields = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let urlNode = fields["url"] else {
            report(node, "\(what) needs a 'url'")
            return []
        }
        guard let text = string(urlNode, what: "url of \(what)"), let url = checkedURL(text, node: urlNode, what: what)
        else {
            return []
        }
        var spec = CallbackSpec(url: url)
        if let formatNode = fields["format"], let name = string(formatNode, what: "format of \(what)") {
            if let format = CallbackSpec.Format(rawValue: name) {
                spec.format = format
            } else {
                report(formatNode, "unknown format '\(name)' for \(what)", hint: "use json or slack")
            }
        }
        if let timeoutNode = fields["timeout"], let seconds = duration(timeoutNode, what: "timeout of \(what)") {
            if seconds > 0 {
                spec.timeoutSeconds = seconds
            } else {
                report(timeoutNode, "timeout of \(what) must be more than 0")
            }
        }
        if let retriesNode = fields["retries"], let retries = int(retriesNode, what: "retries of \(what)") {
            if (0...20).contains(retries) {
                spec.retries = retries
            } else {
                report(retriesNode, "retries of \(what) must be 0 to 20, got \(retries)")
            }
        }
        if let headersNode = fields["headers"], let headerPairs = mapping(headersNode, what: "headers of \(what)") {
            for pair in headerPairs {
                guard case .scalar(let scalar) = pair.value else {
                    report(pair.value, "header '\(pair.key)' of \(what) must be a string")
                    continue
                }
                spec.headers[pair.key] = scalar.string
            }
        }
        return [spec]
    }

    mutating func checkedURL(_ url: String, node: Node, what: String) -> String? {
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > "https://".count else {
            report(node, "invalid URL for \(what)", hint: "use an http:// or https:// URL")
            return nil
        }
        return url
    }
}

/// Checks shared by the parsers of structured configuration values (`node_pools`,
/// `scaling.queues`, `kubernetes.pod_defaults`, `kubernetes.connections`).
enum ConfigurationFields {
    /// Rejects the first key (in sorted order) that is not `allowed`, suggesting the nearest one.
    static func rejectUnknown(_ keys: some Collection<String>, allowed: [String], at place: String)
        throws(ConfigurationError)
    {
        for key in keys.sorted() where !allowed.contains(key) {
            let hint = Suggestion.hint(for: key, among: allowed).map { " (\($0))" } ?? ""
            throw ConfigurationError(message: "\(place): unknown key '\(key)'\(hint)")
        }
    }

    /// `{requests: {cpu: 500m, memory: 1Gi}, limits: {…}}`: kind → resource → quantity text.
    static func resources(_ value: JSONValue, at place: String) throws(ConfigurationError) -> [String: [String: String]]
    {
        guard case .object(let kinds) = value else {
            throw ConfigurationError(message: "\(place): expected requests and limits mappings")
        }
        var result: [String: [String: String]] = [:]
        for (kind, quantities) in kinds {
            guard kind == "requests" || kind == "limits", case .object(let values) = quantities else {
                throw ConfigurationError(message: "\(place): expected requests and limits mappings, got '\(kind)'")
            }
            for (resource, quantity) in values {
                let text = NodePoolConfiguration.quantityText(quantity) ?? quantity.jsonText
                guard KubeNaming.isValidQuantity(text) else {
                    throw ConfigurationError(
                        message:
                            "\(place).\(kind).\(resource): invalid quantity '\(text)' (e.g. 500m or 2 for cpu, 512Mi for memory)"
                    )
                }
                result[kind, default: [:]][resource] = text
            }
        }
        return result
    }
}

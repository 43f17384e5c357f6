/// Reads `kubernetes.pod_defaults` from configuration (the same field names as a task's
/// `kubernetes_pod`; Kubernetes' own objects — tolerations, spread constraints, security
/// contexts — in Kubernetes' spelling).
public enum PodDefaultsConfiguration {
    static let keys = [
        "resources", "labels", "annotations", "node_selector", "tolerations", "topology_spread_constraints",
        "service_account_name", "image_pull_secrets", "security_context", "container_security_context",
    ]

    /// - Throws: ``ConfigurationError`` naming the field and what is wrong with it.
    public static func parse(_ value: JSONValue, source: String) throws(ConfigurationError) -> PodDefaults {
        guard case .object(let fields) = value else {
            throw ConfigurationError(
                message: "\(source): expected a mapping of pod settings (\(keys.joined(separator: ", ")))")
        }
        try ConfigurationFields.rejectUnknown(fields.keys, allowed: keys, at: source)
        var defaults = PodDefaults()
        if let value = fields["resources"] {
            defaults.resources = try ConfigurationFields.resources(value, at: "\(source).resources")
        }
        defaults.labels = try labels(fields["labels"], place: "\(source).labels", checkValues: true)
        defaults.annotations = try labels(fields["annotations"], place: "\(source).annotations", checkValues: false)
        defaults.nodeSelector = try labels(fields["node_selector"], place: "\(source).node_selector", checkValues: true)
        defaults.tolerations = try objects(fields["tolerations"], place: "\(source).tolerations")
        defaults.topologySpreadConstraints = try objects(
            fields["topology_spread_constraints"], place: "\(source).topology_spread_constraints")
        for (index, constraint) in defaults.topologySpreadConstraints.enumerated() {
            if let problem = TopologySpread.problem(in: constraint) {
                throw ConfigurationError(message: "\(source).topology_spread_constraints[\(index)]: \(problem)")
            }
        }
        if let value = fields["service_account_name"] {
            guard case .string(let name) = value, KubeNaming.isDNSSubdomain(name) else {
                throw ConfigurationError(
                    message: "\(source).service_account_name: expected a service account name, got \(value.jsonText)")
            }
            defaults.serviceAccountName = name
        }
        if let value = fields["image_pull_secrets"] {
            guard case .array(let items) = value else {
                throw ConfigurationError(message: "\(source).image_pull_secrets: expected a list of Secret names")
            }
            defaults.imagePullSecrets = try items.map { item throws(ConfigurationError) in
                guard case .string(let name) = item, KubeNaming.isDNSSubdomain(name) else {
                    throw ConfigurationError(
                        message: "\(source).image_pull_secrets: expected Secret names, got \(item.jsonText)")
                }
                return name
            }
        }
        for (key, path) in [
            ("security_context", \PodDefaults.securityContext),
            ("container_security_context", \.containerSecurityContext),
        ] {
            guard let value = fields[key] else { continue }
            guard case .object = value else {
                throw ConfigurationError(message: "\(source).\(key): expected a mapping (Kubernetes' securityContext)")
            }
            defaults[keyPath: path] = value
        }
        return defaults
    }

    private static func labels(_ value: JSONValue?, place: String, checkValues: Bool) throws(ConfigurationError)
        -> [String: String]
    {
        guard let value else { return [:] }
        guard case .object(let fields) = value else {
            throw ConfigurationError(message: "\(place): expected a mapping")
        }
        var result: [String: String] = [:]
        for (key, item) in fields {
            guard KubeNaming.isValidLabelKey(key) else {
                throw ConfigurationError(message: "\(place): invalid key '\(key)'")
            }
            guard case .string(let text) = item else {
                throw ConfigurationError(message: "\(place).\(key): expected a string, got \(item.jsonText)")
            }
            guard !checkValues || KubeNaming.isValidLabelValue(text) else {
                throw ConfigurationError(
                    message:
                        "\(place).\(key): invalid label value '\(text)' (at most 63 of letters, digits, '-', '_', '.')")
            }
            result[key] = text
        }
        return result
    }

    private static func objects(_ value: JSONValue?, place: String) throws(ConfigurationError) -> [JSONValue] {
        guard let value else { return [] }
        guard case .array(let items) = value, items.allSatisfy({ if case .object = $0 { true } else { false } }) else {
            throw ConfigurationError(message: "\(place): expected a list of mappings")
        }
        return items
    }
}

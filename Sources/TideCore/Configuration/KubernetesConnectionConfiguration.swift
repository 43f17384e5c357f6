/// A named Kubernetes connection (`kubernetes.connections.NAME` in tide.yaml) that pod tasks
/// choose with `kubernetes_conn_id`, as KubernetesPodOperator users choose an Airflow connection.
public struct KubernetesConnectionSettings: Sendable, Hashable {
    /// Path of a kubeconfig file; nil with `inCluster` uses the pod's service account.
    public var kubeconfig: String?
    /// The kubeconfig context; nil uses its `current-context`.
    public var context: String?
    /// Use the service account of the pod the worker runs in.
    public var inCluster = false
    /// Namespace of pods whose task names none; nil uses the context's (or the pod's own).
    public var namespace: String?

    public init(kubeconfig: String? = nil, context: String? = nil, inCluster: Bool = false, namespace: String? = nil) {
        self.kubeconfig = kubeconfig
        self.context = context
        self.inCluster = inCluster
        self.namespace = namespace
    }
}

/// Reads `kubernetes.connections`: a mapping of names to `{kubeconfig, context, in_cluster, namespace}`.
public enum KubernetesConnectionConfiguration {
    static let keys = ["kubeconfig", "context", "in_cluster", "namespace"]

    /// - Throws: ``ConfigurationError`` naming the connection and the field.
    public static func parse(_ value: JSONValue, source: String) throws(ConfigurationError) -> [String:
        KubernetesConnectionSettings]
    {
        guard case .object(let connections) = value else {
            throw ConfigurationError(message: "\(source): expected a mapping of connection names to settings")
        }
        var result: [String: KubernetesConnectionSettings] = [:]
        for (name, item) in connections {
            let place = "\(source).\(name)"
            guard KubeNaming.isValidLabelValue(name), !name.isEmpty else {
                throw ConfigurationError(message: "\(place): a connection name is letters, digits, '-', '_', '.'")
            }
            guard case .object(let fields) = item else {
                throw ConfigurationError(message: "\(place): expected a mapping")
            }
            try ConfigurationFields.rejectUnknown(fields.keys, allowed: keys, at: place)
            var settings = KubernetesConnectionSettings()
            for (key, path) in [
                ("kubeconfig", \KubernetesConnectionSettings.kubeconfig), ("context", \.context),
                ("namespace", \.namespace),
            ] {
                guard let value = fields[key] else { continue }
                guard case .string(let text) = value, !text.isEmpty else {
                    throw ConfigurationError(message: "\(place).\(key): expected text, got \(value.jsonText)")
                }
                settings[keyPath: path] = text
            }
            if let value = fields["in_cluster"] {
                guard case .bool(let flag) = value else {
                    throw ConfigurationError(message: "\(place).in_cluster: expected true or false")
                }
                settings.inCluster = flag
            }
            if let namespace = settings.namespace, !KubeNaming.isDNSLabel(namespace) {
                throw ConfigurationError(message: "\(place).namespace: invalid namespace '\(namespace)'")
            }
            guard settings.inCluster != (settings.kubeconfig != nil) else {
                throw ConfigurationError(message: "\(place): give either kubeconfig or in_cluster: true")
            }
            result[name] = settings
        }
        return result
    }
}

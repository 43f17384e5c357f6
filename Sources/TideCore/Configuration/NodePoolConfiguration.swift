/// Reads `node_pools` from configuration: a list of
/// `{name, label_key, label_value, taints: [{key, value, effect}], default_resources, max_pods}`.
public enum NodePoolConfiguration {
    static let keys = ["name", "label_key", "label_value", "taints", "default_resources", "max_pods"]

    /// - Throws: ``ConfigurationError`` naming the pool and field.
    public static func parse(_ value: JSONValue, source: String) throws(ConfigurationError) -> [NodePool] {
        guard case .array(let items) = value else {
            throw ConfigurationError(message: "\(source): expected a list of node pools")
        }
        var pools: [NodePool] = []
        for (index, item) in items.enumerated() {
            let place = "\(source)[\(index)]"
            guard case .object(let fields) = item else {
                throw ConfigurationError(message: "\(place): expected a mapping")
            }
            for key in fields.keys where !keys.contains(key) {
                let hint = Suggestion.hint(for: key, among: keys).map { " (\($0))" } ?? ""
                throw ConfigurationError(message: "\(place): unknown key '\(key)'\(hint)")
            }
            guard case .string(let name)? = fields["name"], KubeNaming.isValidLabelValue(name), !name.isEmpty else {
                throw ConfigurationError(message: "\(place): expected a 'name' (letters, digits, '-', '_', '.')")
            }
            var pool = NodePool(name: name)
            if case .string(let key)? = fields["label_key"] {
                guard KubeNaming.isValidLabelKey(key) else {
                    throw ConfigurationError(message: "\(place): invalid label_key '\(key)'")
                }
                pool.labelKey = key
            }
            if case .string(let value)? = fields["label_value"] { pool.labelValue = value }
            if case .array(let taints)? = fields["taints"] {
                for taint in taints {
                    guard case .object(let taintFields) = taint, case .string(let key)? = taintFields["key"] else {
                        throw ConfigurationError(message: "\(place).taints: each taint needs a 'key'")
                    }
                    var parsed = NodePool.Taint(key: key)
                    if case .string(let value)? = taintFields["value"] { parsed.value = value }
                    if case .string(let effect)? = taintFields["effect"] {
                        guard ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) else {
                            throw ConfigurationError(
                                message:
                                    "\(place).taints: expected effect NoSchedule, PreferNoSchedule or NoExecute, got '\(effect)'"
                            )
                        }
                        parsed.effect = effect
                    }
                    pool.taints.append(parsed)
                }
            }
            if case .object(let resources)? = fields["default_resources"] {
                for (kind, values) in resources {
                    guard kind == "requests" || kind == "limits", case .object(let quantities) = values else {
                        throw ConfigurationError(
                            message: "\(place).default_resources: expected requests and limits mappings")
                    }
                    for (resource, quantity) in quantities {
                        let text: String
                        switch quantity {
                        case .string(let value): text = value
                        case .number(let value): text = value.rounded() == value ? String(Int(value)) : String(value)
                        default: text = ""
                        }
                        guard KubeNaming.isValidQuantity(text) else {
                            throw ConfigurationError(
                                message: "\(place).default_resources.\(kind).\(resource): invalid quantity")
                        }
                        pool.defaultResources[kind, default: [:]][resource] = text
                    }
                }
            }
            if case .number(let maxPods)? = fields["max_pods"] {
                guard maxPods >= 1, maxPods.rounded() == maxPods else {
                    throw ConfigurationError(message: "\(place).max_pods: expected a whole number of at least 1")
                }
                pool.maxPods = Int(maxPods)
            }
            guard !pools.contains(where: { $0.name == name }) else {
                throw ConfigurationError(message: "\(place): node pool '\(name)' is declared twice")
            }
            pools.append(pool)
        }
        return pools
    }
}

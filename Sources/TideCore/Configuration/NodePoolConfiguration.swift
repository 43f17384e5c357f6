/// Reads `node_pools` from configuration: a list of
/// `{name, label_key, label_value, taints: [{key, value, effect}], default_resources, max_pods,
/// node_shape: {cpu, memory, pods}, min_nodes, max_nodes}`.
public enum NodePoolConfiguration {
    static let keys = [
        "name", "label_key", "label_value", "taints", "default_resources", "max_pods", "node_shape", "min_nodes",
        "max_nodes",
    ]

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
            try ConfigurationFields.rejectUnknown(fields.keys, allowed: keys, at: place)
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
            if let resources = fields["default_resources"] {
                pool.defaultResources = try ConfigurationFields.resources(resources, at: "\(place).default_resources")
            }
            pool.maxPods = try wholeNumber(fields["max_pods"], atLeast: 1, at: "\(place).max_pods")
            pool.minNodes = try wholeNumber(fields["min_nodes"], atLeast: 0, at: "\(place).min_nodes") ?? 0
            pool.maxNodes = try wholeNumber(
                fields["max_nodes"], atLeast: max(1, pool.minNodes), at: "\(place).max_nodes")
            if let shape = fields["node_shape"] {
                pool.nodeShape = try nodeShape(shape, at: "\(place).node_shape")
            }
            guard !pools.contains(where: { $0.name == name }) else {
                throw ConfigurationError(message: "\(place): node pool '\(name)' is declared twice")
            }
            pools.append(pool)
        }
        return pools
    }

    /// A whole number of at least `minimum`, or nil when the field is absent.
    static func wholeNumber(_ value: JSONValue?, atLeast minimum: Int, at place: String) throws(ConfigurationError)
        -> Int?
    {
        guard let value else { return nil }
        guard case .number(let number) = value, number >= Double(minimum), number.rounded() == number,
            number < 1e9
        else {
            throw ConfigurationError(message: "\(place): expected a whole number of at least \(minimum)")
        }
        return Int(number)
    }

    /// `{cpu: "4", memory: 16Gi, pods: 110}`: cpu and memory are required quantities.
    static func nodeShape(_ value: JSONValue, at place: String) throws(ConfigurationError) -> NodePool.NodeShape {
        guard case .object(let fields) = value else {
            throw ConfigurationError(
                message: "\(place): expected a mapping with cpu and memory, e.g. {cpu: 4, memory: 16Gi}")
        }
        for key in fields.keys where !["cpu", "memory", "pods"].contains(key) {
            throw ConfigurationError(message: "\(place): unknown key '\(key)' (expected cpu, memory, pods)")
        }
        guard let cpuText = quantityText(fields["cpu"]), let cpu = Quantity.millicores(cpuText), cpu > 0 else {
            throw ConfigurationError(message: "\(place).cpu: expected a cpu quantity above zero such as 4 or 3500m")
        }
        guard let memoryText = quantityText(fields["memory"]), let memory = Quantity.value(memoryText), memory > 0
        else {
            throw ConfigurationError(message: "\(place).memory: expected a memory quantity above zero such as 16Gi")
        }
        let pods = try wholeNumber(fields["pods"], atLeast: 1, at: "\(place).pods") ?? 110
        return NodePool.NodeShape(cpuMillicores: cpu, memoryBytes: memory, pods: pods)
    }

    /// A quantity written as YAML text or as a number.
    static func quantityText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: return text
        case .number(let number)?: return number.rounded() == number ? String(Int(number)) : String(number)
        default: return nil
        }
    }
}

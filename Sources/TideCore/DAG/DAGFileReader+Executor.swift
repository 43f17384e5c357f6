import Yams

extension DAGFileReader {
    /// Reads `executor`, `node_pool` and `pod_template` (task or `default_args`); whether they fit
    /// together is checked once the task's settings are merged with the defaults.
    mutating func readExecutor(_ fields: [String: Node], into defaults: inout TaskDefaults, place: String) {
        if let node = fields["executor"], let kind = choice(node, TaskExecutor.Kind.self, key: "executor", place: place)
        {
            defaults.executorKind = kind
        }
        if let node = fields["node_pool"] { defaults.executorNodePool = nodePool(node, place: place) }
        if let node = fields["pod_template"] {
            let template = jsonValue(node)
            if case .object = template {
                defaults.executorPodTemplate = template
            } else {
                report(node, "pod_template in \(place) must be a mapping (a pod manifest)")
            }
        }
    }

    /// The executor a task runs with. `executor: kubernetes` runs a task's own command, so a pod
    /// or empty task that names it is an error (one that inherits it from `default_args` runs as
    /// usual), and `node_pool` / `pod_template` outside `kubernetes_pod` need it.
    mutating func executor(_ merged: TaskDefaults, kind: TaskKind?, taskId: String, fields: [String: Node])
        -> TaskExecutor?
    {
        let place = "task '\(taskId)'"
        guard merged.executorKind == .kubernetes else {
            for key in ["node_pool", "pod_template"] {
                guard let node = fields[key] else { continue }
                report(node, "\(key) in \(place) needs executor: kubernetes", hint: "or use it inside kubernetes_pod")
            }
            return merged.executorKind.map { TaskExecutor(kind: $0) }
        }
        switch kind {
        case .bash?, .command?:
            return TaskExecutor(
                kind: .kubernetes, nodePool: merged.executorNodePool, podTemplate: merged.executorPodTemplate)
        case .kubernetesPod?, .empty?, .sensor?, nil:
            if let node = fields["executor"], kind != nil {
                report(
                    node, "executor: kubernetes in \(place) needs a bash or command task",
                    hint: "a kubernetes_pod task already runs in a pod")
            }
            return nil
        }
    }

    /// A `node_pool` value, checked against the configured pools.
    mutating func nodePool(_ value: Node, place: String) -> String? {
        guard let name = string(value, what: "node_pool in \(place)") else { return nil }
        if let known = nodePools, !known.contains(name) {
            report(
                value, "unknown node pool '\(name)' in \(place)",
                hint: Suggestion.hint(for: name, among: known)
                    ?? (known.isEmpty
                        ? "no node pools are configured (node_pools in tide.yaml)"
                        : "configured: \(known.joined(separator: ", "))"))
        }
        return name
    }
}

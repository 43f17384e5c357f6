/// How a task's effective priority is computed from `priority_weight` (Airflow's weight rules).
public enum WeightRule: String, Sendable, Hashable, Codable, CaseIterable {
    /// Own weight plus the weights of every task downstream of it (the default): tasks that
    /// unblock more work go first.
    case downstream
    /// Own weight plus the weights of every task upstream of it: runs that are further along finish first.
    case upstream
    /// Own weight only.
    case absolute
}

extension DAG {
    /// Each task's effective priority under its weight rule.
    public func effectivePriorities() -> [String: Int] {
        let weights = Dictionary(tasks.map { ($0.taskId, $0.priorityWeight) }, uniquingKeysWith: { a, _ in a })
        var result: [String: Int] = [:]
        for task in tasks {
            let related: Set<String>
            switch task.weightRule {
            case .downstream: related = DAGGraph.descendants(of: task.taskId, in: self)
            case .upstream: related = DAGGraph.ancestors(of: task.taskId, in: self)
            case .absolute: related = []
            }
            result[task.taskId] = related.reduce(task.priorityWeight) { $0 + (weights[$1] ?? 0) }
        }
        return result
    }
}

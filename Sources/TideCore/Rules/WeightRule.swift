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
    /// - Parameter defaultRule: the rule of tasks that name none (`default_weight_rule`).
    public func effectivePriorities(defaultRule: WeightRule = .downstream) -> [String: Int] {
        CompiledDAG(self).effectivePriorities(defaultRule: defaultRule)
    }
}

extension CompiledDAG {
    /// Each task's effective priority under its weight rule: its own weight plus those of the
    /// tasks its rule relates it to, each counted once.
    /// - Parameter defaultRule: the rule of tasks that name none (`default_weight_rule`).
    public func effectivePriorities(defaultRule: WeightRule = .downstream) -> [String: Int] {
        var result: [String: Int] = [:]
        result.reserveCapacity(taskCount)
        var seen = [Bool](repeating: false, count: taskCount)
        for position in 0..<taskCount {
            let task = self[position]
            let edges: [[Int]]
            switch task.weightRule ?? defaultRule {
            case .downstream: edges = downstream
            case .upstream: edges = upstream
            case .absolute:
                result[task.taskId] = task.priorityWeight
                continue
            }
            var total = task.priorityWeight
            var reached: [Int] = []
            var stack = edges[position]
            while let next = stack.popLast() {
                guard !seen[next] else { continue }
                seen[next] = true
                reached.append(next)
                total += self[next].priorityWeight
                stack.append(contentsOf: edges[next])
            }
            for index in reached { seen[index] = false }
            result[task.taskId] = total
        }
        return result
    }

    /// Whether the task at `position` has no downstream task (a leaf decides the run's outcome).
    public func isLeaf(_ position: Int) -> Bool { downstream[position].isEmpty }
}

/// When a task may run, given the states of its upstream tasks (Airflow's trigger rules).
public enum TriggerRule: String, Sendable, Hashable, Codable {
    /// Run when every upstream succeeded (Airflow's default).
    case allSuccess = "all_success"

    /// Decides what to do with a task that has not started, from its upstream tasks' states.
    /// - Parameter upstream: the current state of each upstream task instance.
    public func evaluate(upstream: [TaskState]) -> DependencyDecision {
        switch self {
        case .allSuccess:
            if upstream.contains(where: { $0 == .failed || $0 == .upstreamFailed }) { return .upstreamFailed }
            if upstream.contains(.skipped) {
                return upstream.allSatisfy(\.isFinished) ? .skip : .wait
            }
            return upstream.allSatisfy { $0 == .success } ? .run : .wait
        }
    }
}

/// The scheduler's decision for a task whose dependencies were evaluated.
public enum DependencyDecision: Sendable, Hashable {
    /// Not yet: some upstream task is still to finish.
    case wait
    /// Dependencies are met: queue it.
    case run
    /// Mark it skipped without running (an upstream was skipped).
    case skip
    /// Mark it upstream_failed without running.
    case upstreamFailed
}

extension TaskState {
    /// One state standing for a mapped task's instances (for what asks about the task as a
    /// whole: whether it can be decided, whether it finished, the grid's summary).
    ///
    /// Any instance not yet decided makes the task undecided (`none`); otherwise an unfinished
    /// one makes it unfinished; a finished task failed if any instance failed (or its upstream
    /// did), was skipped if all were, and succeeded otherwise. Trigger rules do not use this:
    /// they count every instance, as Airflow's do.
    public static func mapped(_ instances: [TaskState]) -> TaskState {
        guard let first = instances.first else { return .none }
        if instances.contains(.none) { return .none }
        let precedence: [TaskState] = [
            .running, .queued, .upForRetry, .upForReschedule, .scheduled, .failed, .upstreamFailed,
        ]
        for state in precedence where instances.contains(state) { return state }
        return instances.allSatisfy { $0 == .skipped } ? .skipped : (instances.contains(.success) ? .success : first)
    }
}

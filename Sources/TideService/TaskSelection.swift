import TideCore
import TidePostgres

/// Which task instances of a run an operator's clear or mark applies to, as Airflow's
/// `task_ids` with `include_upstream` / `include_downstream`, `only_failed` and `only_running`.
public struct TaskSelection: Sendable, Hashable {
    /// The tasks named; empty means every task of the run.
    public var taskIds: [String] = []
    public var includeUpstream = false
    public var includeDownstream = false
    /// Only task instances that failed (`failed`, `upstream_failed`).
    public var onlyFailed = false
    /// Only task instances that are running.
    public var onlyRunning = false
    /// For a mapped task listed here, only these map indexes (Airflow's `[task_id, map_index]`);
    /// its downstream and upstream tasks are still selected whole.
    public var mapIndexes: [String: Set<Int>] = [:]

    public init(
        taskIds: [String] = [], includeUpstream: Bool = false, includeDownstream: Bool = false,
        onlyFailed: Bool = false, onlyRunning: Bool = false
    ) {
        self.taskIds = taskIds
        self.includeUpstream = includeUpstream
        self.includeDownstream = includeDownstream
        self.onlyFailed = onlyFailed
        self.onlyRunning = onlyRunning
    }

    /// The task ids of `dag` this selection names, before the state filters.
    /// - Throws: ``ServiceError`` `notFound` for a task the DAG does not have.
    public func taskIds(in dag: DAG) throws(ServiceError) -> Set<String> {
        if taskIds.isEmpty { return Set(dag.tasks.map(\.taskId)) }
        var selected: Set<String> = []
        for taskId in taskIds {
            guard dag.task(taskId) != nil else {
                let hint = Suggestion.hint(for: taskId, among: dag.tasks.map(\.taskId)).map { "; \($0)" } ?? ""
                throw ServiceError(.notFound, "DAG '\(dag.dagId)' has no task '\(taskId)'\(hint)")
            }
            selected.insert(taskId)
            if includeDownstream { selected.formUnion(DAGGraph.descendants(of: taskId, in: dag)) }
            if includeUpstream { selected.formUnion(DAGGraph.ancestors(of: taskId, in: dag)) }
        }
        return selected
    }

    /// Whether a task instance is selected: its map index (``mapIndexes``) and its state.
    public func admits(_ instance: TaskInstanceRecord) -> Bool {
        if let indexes = mapIndexes[instance.taskId], !indexes.contains(instance.mapIndex) { return false }
        return admits(instance.state)
    }

    /// Whether a task instance in `state` is kept by the state filters.
    public func admits(_ state: TaskState) -> Bool {
        if onlyFailed && !(state == .failed || state == .upstreamFailed) { return false }
        if onlyRunning && state != .running { return false }
        return true
    }
}

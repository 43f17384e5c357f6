import TideCore

/// One cell of a DAG's grid: a task instance's state in a run.
public struct GridCell: Sendable, Hashable {
    public var state: TaskState
    public var tryNumber: Int
    /// Seconds from start to end (or to now for a running try); nil before it starts.
    public var durationSeconds: Double?
    /// A mapped task's instances by state (its `state` is ``TaskState/mapped(_:)`` of them, its
    /// try and duration the longest); nil for a task that is not mapped.
    public var mappedStates: [TaskState: Int]?

    /// How many mapped instances the cell stands for (0: not mapped).
    public var mappedCount: Int { mappedStates?.values.reduce(0, +) ?? 0 }
}

extension TaskInstanceStore {
    /// The states of the given tasks in the given runs, by run id and task id: a grid of runs × tasks
    /// in one query, without loading whole task-instance rows.
    public func grid(runIds: [Int64], taskIds: [String]) async throws -> [Int64: [String: GridCell]] {
        guard !runIds.isEmpty, !taskIds.isEmpty else { return [:] }
        let runs = PGArray.literal(runIds)
        let tasks = PGArray.literal(taskIds)
        let rows = try await pool.query(
            """
            SELECT run_id, task_id, state, try_number, map_index,
                   extract(epoch FROM coalesce(ended_at, clock_timestamp()) - started_at) AS seconds
            FROM task_instances WHERE run_id = ANY($1::bigint[]) AND task_id = ANY($2::text[])
            """, [runs, tasks], context: "grid"
        ).rows
        var grid: [Int64: [String: GridCell]] = [:]
        for row in rows {
            guard let runId = row.int64("run_id"), let taskId = row["task_id"],
                let state = row["state"].flatMap(TaskState.init(rawValue:))
            else { continue }
            let cell = GridCell(
                state: state, tryNumber: row.int("try_number") ?? 0, durationSeconds: row.double("seconds"),
                mappedStates: (row.int("map_index") ?? -1) >= 0 ? [state: 1] : nil)
            guard let earlier = grid[runId]?[taskId], let counts = earlier.mappedStates else {
                grid[runId, default: [:]][taskId] = cell
                continue
            }
            // Another instance of a mapped task: one cell for them all.
            var merged = earlier
            merged.mappedStates = counts.merging([state: 1], uniquingKeysWith: +)
            merged.state = TaskState.mapped(merged.mappedStates.map { Array($0.keys) } ?? [])
            merged.tryNumber = max(earlier.tryNumber, cell.tryNumber)
            merged.durationSeconds = [earlier.durationSeconds, cell.durationSeconds].compactMap { $0 }.max()
            grid[runId, default: [:]][taskId] = merged
        }
        return grid
    }
}

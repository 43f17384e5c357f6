import TideCore

extension TaskInstanceStore {
    /// Clears tasks of a run so they run again with a new try (their earlier logs are kept), and
    /// re-opens the run if it had finished. A running task is stopped first: it goes to
    /// `up_for_retry`, due after `stopGraceSeconds` (its worker kills it within a heartbeat).
    /// - Parameters:
    ///   - retries: each task's `retries`, which it gets in full again.
    ///   - instances: only these task instances (ids) of those tasks (nil: all, every mapped instance).
    /// - Returns: the task ids cleared.
    public func clear(runId: Int64, retries: [String: Int], instances: [Int64]? = nil, stopGraceSeconds: Double)
        async throws -> [String]
    {
        let taskIds = retries.keys.sorted()
        guard !taskIds.isEmpty else { return [] }
        return try await pool.transaction { connection in
            let cleared = try await connection.query(
                """
                UPDATE task_instances ti SET
                    state = \(TaskInstanceMachine.sqlTarget(of: .clear, column: "ti.state")),
                    next_retry_at = CASE WHEN ti.state IN \(Self.stoppedByClear)
                                         THEN clock_timestamp() + $4 * interval '1 second' END,
                    max_tries = ti.try_number + 1 + wanted.retries,
                    ended_at = CASE WHEN ti.state IN \(Self.stoppedByClear) THEN clock_timestamp() END, exit_code = NULL,
                    sensing_since = NULL, sensor_pokes = 0, sensor_status = NULL
                FROM unnest($2::text[], $3::int[]) AS wanted(task_id, retries)
                WHERE ti.run_id = $1 AND ti.task_id = wanted.task_id
                  AND ti.state IN \(TaskInstanceMachine.sqlSources(of: .clear))
                  AND ($5::bigint[] IS NULL OR ti.id = ANY($5::bigint[]))
                RETURNING ti.task_id
                """,
                [
                    String(runId), PGArray.literal(taskIds), PGArray.literal(taskIds.map { Int64(retries[$0] ?? 0) }),
                    String(stopGraceSeconds), instances.map { PGArray.literal($0) },
                ],
                context: "clear tasks of run \(runId)"
            ).rows.compactMap { $0["task_id"] }
            // As in Airflow, the results of cleared tasks go with them.
            try await connection.query(
                """
                DELETE FROM xcom x USING task_instances ti
                WHERE x.task_instance_id = ti.id AND ti.run_id = $1 AND ti.task_id = ANY($2::text[])
                  AND ($3::bigint[] IS NULL OR ti.id = ANY($3::bigint[]))
                """, [String(runId), PGArray.literal(cleared), instances.map { PGArray.literal($0) }],
                context: "delete results of cleared tasks")
            try await Self.reopen(runId, on: connection)
            return Array(Set(cleared)).sorted()
        }
    }

    /// States a clear cannot simply reset: a running try is stopped and waits for its worker.
    private static let stoppedByClear = TaskInstanceMachine.sqlSources(of: .clear, to: .upForRetry)

    /// Sets a task's state by hand (`success` or `failed`), stopping it if it was running, and
    /// re-opens the run so its outcome is decided again.
    /// - Returns: the state the task had.
    /// - Parameter mapIndex: only this mapped instance (nil: every instance of the task).
    public func mark(runId: Int64, taskId: String, mapIndex: Int? = nil, as state: TaskState) async throws
        -> TaskState
    {
        precondition(state == .success || state == .failed, "tasks are marked success or failed")
        return try await pool.transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE task_instances ti SET state = $3, ended_at = clock_timestamp(), next_retry_at = NULL
                FROM (SELECT id, state AS before FROM task_instances
                      WHERE run_id = $1 AND task_id = $2 AND ($4::int IS NULL OR map_index = $4) FOR UPDATE) old
                WHERE ti.id = old.id AND old.before IN \(TaskInstanceMachine.sqlSources(of: .mark(state)))
                RETURNING old.before
                """, [String(runId), taskId, state.rawValue, mapIndex.map(String.init)], context: "mark task"
            ).rows
            guard let before = rows.first?["before"].flatMap(TaskState.init(rawValue:)) else {
                throw PGError(code: .notFound, message: "run \(runId) has no task '\(taskId)'")
            }
            try await Self.reopen(runId, on: connection)
            return before
        }
    }

    /// A finished run whose tasks changed runs again; the scheduler decides its outcome anew.
    private static func reopen(_ runId: Int64, on connection: PGConnection) async throws {
        try await connection.query(
            "UPDATE dag_runs SET state = 'running', ended_at = NULL WHERE id = $1 AND state IN ('success', 'failed')",
            [String(runId)], context: "re-open run \(runId)")
    }
}

import TideCore

extension TaskInstanceStore {
    /// What expanding a mapped task did.
    public enum Expansion: Sendable, Hashable {
        /// Instances 0…N-1 exist, undecided, with their arguments: their ids, to queue.
        case expanded([Int64])
        /// Nothing to map over: the task's one instance (-1) is skipped, as in Airflow.
        case skipped
        /// Another scheduler expanded it first, or an instance is no longer undecided.
        case unchanged
    }

    /// Expands a mapped task of a run into one instance per item (map index = position), each
    /// holding its arguments (`items`: JSON objects, name → item). Existing instances are reused
    /// lowest index first (a cleared task keeps its tries and logs); instances past the new count
    /// are deleted (Airflow marks them `removed`). Only while every instance is undecided.
    public func expand(runId: Int64, taskId: String, items: [String]) async throws -> Expansion {
        try await pool.transaction { connection in
            let locked = try await connection.query(
                """
                SELECT state FROM task_instances WHERE run_id = $1 AND task_id = $2 ORDER BY map_index FOR UPDATE
                """, [String(runId), taskId], context: "lock mapped task '\(taskId)'"
            ).rows
            guard !locked.isEmpty, locked.allSatisfy({ $0["state"] == TaskState.none.rawValue }) else {
                return .unchanged
            }
            let parameters = [String(runId), taskId, String(items.count)]
            // The lowest instance stays (as -1 when nothing is mapped): the rest go.
            try await connection.query(
                """
                DELETE FROM task_instances WHERE run_id = $1 AND task_id = $2
                  AND map_index >= greatest($3::int, (SELECT min(map_index) + 1 FROM task_instances
                                                      WHERE run_id = $1 AND task_id = $2))
                """, parameters, context: "remove instances past the expansion")
            guard !items.isEmpty else {
                try await connection.query(
                    """
                    UPDATE task_instances SET map_index = -1, map_item = NULL, state = 'skipped',
                        ended_at = clock_timestamp()
                    WHERE run_id = $1 AND task_id = $2
                    """, [String(runId), taskId], context: "skip a task mapped over nothing")
                return .skipped
            }
            try await connection.query(
                "UPDATE task_instances SET map_index = 0 WHERE run_id = $1 AND task_id = $2 AND map_index = -1",
                [String(runId), taskId], context: "first mapped instance")
            // New instances as the first one was created (its retries in full, not a cleared try's count).
            try await connection.query(
                """
                INSERT INTO task_instances (run_id, dag_id, task_id, state, max_tries, retry_delay_seconds, queue,
                                            priority_weight, is_leaf, pool, pool_slots, node_pool, map_index)
                SELECT f.run_id, f.dag_id, f.task_id, 'none', f.max_tries - f.try_number, f.retry_delay_seconds,
                       f.queue, f.priority_weight, f.is_leaf, f.pool, f.pool_slots, f.node_pool, i
                FROM (SELECT * FROM task_instances WHERE run_id = $1 AND task_id = $2 AND map_index = 0) f,
                     generate_series(1, $3::int - 1) AS i
                ON CONFLICT DO NOTHING
                """, parameters, context: "create mapped instances")
            let ids = try await connection.query(
                """
                UPDATE task_instances ti SET map_item = item.value::jsonb
                FROM unnest($3::text[]) WITH ORDINALITY AS item(value, position)
                WHERE ti.run_id = $1 AND ti.task_id = $2 AND ti.map_index = item.position - 1
                RETURNING ti.id
                """, [String(runId), taskId, PGArray.literal(items)], context: "store mapped arguments"
            ).rows.compactMap { $0.int64("id") }
            return .expanded(ids)
        }
    }
}

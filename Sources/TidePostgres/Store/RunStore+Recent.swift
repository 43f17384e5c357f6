import TideCore

extension RunStore {
    /// The latest `limit` runs of each DAG (by logical date, newest first): the coloured squares of a DAG list.
    public func recent(dagIds: [String], limit: Int) async throws -> [String: [RunRecord]] {
        guard !dagIds.isEmpty else { return [:] }
        let ids = PGArray.literal(dagIds)
        let rows = try await pool.query(
            """
            SELECT \(RunRecord.columns) FROM unnest($1::text[]) AS d(dag_id)
            CROSS JOIN LATERAL (
                SELECT * FROM dag_runs x WHERE x.dag_id = d.dag_id ORDER BY x.logical_date DESC, x.id DESC LIMIT $2
            ) r
            """, [ids, String(limit)], context: "recent runs"
        ).rows
        var runs: [String: [RunRecord]] = [:]
        for row in rows {
            let run = try RunRecord(row: row)
            runs[run.dagId, default: []].append(run)
        }
        return runs
    }
}

extension RunStore {
    /// Runs by their database ids (those that exist), for lists that span runs.
    public func records(ids: [Int64]) async throws -> [Int64: RunRecord] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await pool.query(
            "SELECT \(RunRecord.columns) FROM dag_runs r WHERE r.id = ANY($1::bigint[])", [PGArray.literal(ids)],
            context: "runs by id"
        ).rows
        var runs: [Int64: RunRecord] = [:]
        for row in rows {
            let run = try RunRecord(row: row)
            runs[run.id] = run
        }
        return runs
    }
}

extension RunStore {
    /// Running runs with a task that failed, waits for a retry or will not run because an upstream
    /// failed: the runs failing now, newest first.
    public func runningWithFailures(limit: Int) async throws -> [RunRecord] {
        try await pool.query(
            """
            SELECT \(RunRecord.columns) FROM dag_runs r
            WHERE r.state = 'running' AND EXISTS (
                SELECT 1 FROM task_instances ti
                WHERE ti.run_id = r.id AND ti.state IN ('failed', 'up_for_retry', 'upstream_failed'))
            ORDER BY r.started_at DESC NULLS LAST, r.id DESC LIMIT $1
            """, [String(limit)], context: "runs failing now"
        ).rows.map(RunRecord.init(row:))
    }
}

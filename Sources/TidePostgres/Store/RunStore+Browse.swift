import TideCore

extension RunStore {
    /// One page of runs matching `query`, with the number of all that match.
    public func page(_ query: RunQuery) async throws -> Page<RunRecord> {
        var page = PageQuery()
        if let dagId = query.dagId { page.require("r.dag_id = \(page.bind(dagId))") }
        if !query.states.isEmpty {
            page.require("r.state = ANY(\(page.bind(PGArray.literal(query.states.map(\.rawValue))))::text[])")
        }
        if !query.runTypes.isEmpty {
            page.require("r.run_type = ANY(\(page.bind(PGArray.literal(query.runTypes)))::text[])")
        }
        if let search = SearchPattern.alternatives(query.runIdSearch) {
            page.require("r.run_id ILIKE ANY(\(page.bind(PGArray.literal(search)))::text[])")
        }
        for (range, column) in [
            (query.logicalDate, "r.logical_date"), (query.startDate, "r.started_at"), (query.endDate, "r.ended_at"),
        ] where !range.isEmpty {
            page.require(range.condition(column, in: &page))
        }
        let order = query.order.map { key -> String in
            let column =
                switch key.field {
                case .id: "r.id"
                case .runId: "r.run_id"
                case .dagId: "r.dag_id"
                case .state: "r.state"
                case .logicalDate: "r.logical_date"
                case .queuedAt: "r.queued_at"
                case .startDate: "r.started_at"
                case .endDate: "r.ended_at"
                case .runType: "r.run_type"
                }
            return column + PageQuery.direction(descending: key.descending)
        }
        let sql = page.sql(
            columns: RunRecord.columns, from: "dag_runs r", order: order + ["r.id"], limit: query.limit,
            offset: query.offset)
        let rows = try await pool.query(sql, page.parameters, context: "list runs").rows
        return Page(
            items: try rows.filter { $0["id"] != nil }.map(RunRecord.init(row:)), total: rows.first?.int("total") ?? 0)
    }

    /// A run by its DAG and Airflow-style run id.
    /// - Throws: ``PGError`` `notFound`.
    public func get(dagId: String, runId: String) async throws -> RunRecord {
        guard
            let row = try await pool.query(
                "SELECT \(RunRecord.columns) FROM dag_runs r WHERE r.dag_id = $1 AND r.run_id = $2", [dagId, runId],
                context: "load run"
            ).rows.first
        else { throw PGError(code: .notFound, message: "DAG '\(dagId)' has no run '\(runId)'") }
        return try RunRecord(row: row)
    }

    /// Deletes a run with its task instances and their logs. Workers still running one of its
    /// tries find their result refused (no row matches) and drop it.
    /// - Returns: false if there was no such run.
    public func delete(_ id: Int64) async throws -> Bool {
        try await pool.query("DELETE FROM dag_runs WHERE id = $1", [String(id)], context: "delete run").affectedRows
            == 1
    }

    /// Sets a run's state by hand, as Airflow's "mark run as":
    /// - `success`: every unfinished task instance becomes `success`;
    /// - `failed`: queued and running ones become `failed`, the other unfinished ones `skipped`;
    /// - `queued`: the run waits to be started again (within `max_active_runs`), keeping its task
    ///   instances' states; the scheduler then carries on from them.
    /// Running tries are stopped by their workers at the next heartbeat (their state changed).
    /// - Returns: the run as it is now.
    public func mark(_ id: Int64, as state: DagRunState) async throws -> RunRecord {
        precondition(state != .running, "runs are marked success, failed or queued")
        return try await pool.transaction { connection in
            switch state {
            case .success:
                try await connection.query(
                    """
                    UPDATE task_instances SET state = 'success', ended_at = clock_timestamp(), next_retry_at = NULL
                    WHERE run_id = $1 AND state IN \(TaskInstanceMachine.sqlSources(of: .endRun(.success)))
                    """, [String(id)], context: "mark tasks of run \(id) success")
            case .failed:
                try await connection.query(
                    """
                    UPDATE task_instances SET next_retry_at = NULL, ended_at = clock_timestamp(),
                        state = CASE WHEN state IN \(TaskState.holdingSlotSQLList) THEN 'failed' ELSE 'skipped' END
                    WHERE run_id = $1 AND state IN \(TaskInstanceMachine.sqlSources(of: .endRun(.failed)))
                    """, [String(id)], context: "mark tasks of run \(id) failed")
            case .queued, .running:
                break
            }
            let rows = try await connection.query(
                """
                UPDATE dag_runs r SET state = $2,
                    ended_at = CASE WHEN $2 IN ('success', 'failed') THEN clock_timestamp() END
                WHERE r.id = $1 RETURNING \(RunRecord.columns)
                """, [String(id), state.rawValue], context: "mark run \(id)"
            ).rows
            guard let row = rows.first else { throw PGError(code: .notFound, message: "no run with id \(id)") }
            return try RunRecord(row: row)
        }
    }

    /// Sets or clears an operator's note on a run.
    public func setNote(_ id: Int64, _ note: String?) async throws {
        try await pool.query("UPDATE dag_runs SET note = $2 WHERE id = $1", [String(id), note], context: "note run")
    }
}

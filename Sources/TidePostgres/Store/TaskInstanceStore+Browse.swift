import TideCore

extension TaskInstanceStore {
    /// One page of task instances matching `query` (of one run, one DAG, or all when both are nil),
    /// with the number of all that match.
    public func page(runId: Int64?, dagId: String? = nil, _ query: TaskInstanceQuery) async throws -> Page<
        TaskInstanceRecord
    > {
        var page = PageQuery()
        if let runId { page.require("ti.run_id = \(page.bind(String(runId)))") }
        if let dagId { page.require("ti.dag_id = \(page.bind(dagId))") }
        if let states = query.states {
            page.require("ti.state = ANY(\(page.bind(PGArray.literal(states.map(\.rawValue))))::text[])")
        }
        for (values, column) in [(query.taskIds, "ti.task_id"), (query.pools, "ti.pool"), (query.queues, "ti.queue")]
        where !values.isEmpty {
            page.require("\(column) = ANY(\(page.bind(PGArray.literal(values)))::text[])")
        }
        if query.onlyMapped { page.require("ti.map_index >= 0") }
        if !query.mapIndexes.isEmpty {
            page.require("ti.map_index = ANY(\(page.bind(PGArray.literal(query.mapIndexes.map(Int64.init))))::int[])")
        }
        let order = query.order.map { key -> String in
            let column =
                switch key.field {
                case .id: "ti.id"
                case .taskId: "ti.task_id"
                case .state: "ti.state"
                case .startDate: "ti.started_at"
                case .endDate: "ti.ended_at"
                case .tryNumber: "ti.try_number"
                case .priorityWeight: "ti.priority_weight"
                case .queuedAt: "ti.queued_at"
                case .pool: "ti.pool"
                case .queue: "ti.queue"
                case .mapIndex: "ti.map_index"
                }
            return column + PageQuery.direction(descending: key.descending)
        }
        let sql = page.sql(
            columns: TaskInstanceRecord.columns, from: "task_instances ti", order: order + ["ti.id"],
            limit: query.limit, offset: query.offset)
        let rows = try await pool.query(sql, page.parameters, context: "list task instances").rows
        return Page(
            items: try rows.filter { $0["id"] != nil }.map(TaskInstanceRecord.init(row:)),
            total: rows.first?.int("total") ?? 0)
    }

    /// One task instance of a run: a task's first instance (the lowest map index), or the one at
    /// `mapIndex`.
    /// - Throws: ``PGError`` `notFound`.
    public func get(runId: Int64, taskId: String, mapIndex: Int? = nil) async throws -> TaskInstanceRecord {
        guard
            let row = try await pool.query(
                """
                SELECT \(TaskInstanceRecord.columns) FROM task_instances ti
                WHERE ti.run_id = $1 AND ti.task_id = $2 AND ($3::int IS NULL OR ti.map_index = $3)
                ORDER BY ti.map_index LIMIT 1
                """, [String(runId), taskId, mapIndex.map(String.init)], context: "load task instance"
            ).rows.first
        else {
            let which = mapIndex.map { " with map index \($0)" } ?? ""
            throw PGError(code: .notFound, message: "the run has no task instance '\(taskId)'\(which)")
        }
        return try TaskInstanceRecord(row: row)
    }

    /// Every try of a task instance, oldest first: the recorded ones, and the current try when it
    /// has none recorded yet (queued or running).
    public func tries(of taskInstance: TaskInstanceRecord) async throws -> [TryRecord] {
        var tries = try await pool.query(
            """
            SELECT try_number, state, extract(epoch FROM started_at) AS started_at,
                   extract(epoch FROM ended_at) AS ended_at, worker_id, hostname, exit_code, total_bytes
            FROM task_logs WHERE task_instance_id = $1 ORDER BY try_number
            """, [String(taskInstance.id)], context: "list tries"
        ).rows.compactMap { row -> TryRecord? in
            guard let number = row.int("try_number"), let state = row["state"] else { return nil }
            return TryRecord(
                tryNumber: number, state: state, startedAt: row.double("started_at"),
                endedAt: state == "running" ? nil : row.double("ended_at"), workerId: row["worker_id"],
                hostname: row["hostname"], exitCode: row.int("exit_code"), logBytes: row.int("total_bytes") ?? 0)
        }
        let current = taskInstance.tryNumber
        // An earlier try still marked running lost its worker before it could report: it failed.
        for index in tries.indices where tries[index].state == "running" && tries[index].tryNumber != current {
            tries[index].state = TaskState.failed.rawValue
        }
        if current > 0, let index = tries.firstIndex(where: { $0.tryNumber == current }) {
            // The task instance row is newer than a running try's partial log.
            if tries[index].state == "running" { tries[index].state = taskInstance.state.rawValue }
        } else if current > 0 {
            tries.append(
                TryRecord(
                    tryNumber: current, state: taskInstance.state.rawValue, startedAt: taskInstance.startedAt,
                    endedAt: taskInstance.endedAt, workerId: taskInstance.workerId, hostname: taskInstance.hostname,
                    exitCode: taskInstance.exitCode, logBytes: 0))
        }
        return tries
    }

    /// Sets or clears an operator's note on a task instance.
    public func setNote(_ id: Int64, _ note: String?) async throws {
        try await pool.query(
            "UPDATE task_instances SET note = $2 WHERE id = $1", [String(id), note], context: "note task")
    }
}

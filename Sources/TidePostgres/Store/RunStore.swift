import Foundation
import TideCore

/// DAG runs: triggering, starting (creating task instances) and finishing.
public struct RunStore: Sendable {
    let pool: PGPool
    /// The weight rule of tasks that name none, for the priorities of the runs this store starts.
    let defaultWeightRule: WeightRule

    public init(pool: PGPool, defaultWeightRule: WeightRule = .downstream) {
        self.pool = pool
        self.defaultWeightRule = defaultWeightRule
    }

    /// Creates a queued run of the DAG's current version.
    /// - Parameters:
    ///   - conf: JSON object text, stored with the run and given to its tasks.
    ///   - runId: the Airflow-style run id; default `manual__<logical date, UTC, to the microsecond>`.
    ///   - logicalDate: Unix seconds; default the time of the trigger.
    /// - Throws: ``PGError`` `notFound` for an unknown or inactive DAG, `conflict` for a duplicate run id.
    public func trigger(dagId: String, conf: String = "{}", runId: String? = nil, logicalDate: Double? = nil)
        async throws -> RunRecord
    {
        // A default id can collide when two triggers land in the same microsecond: try again.
        for attempt in 1...5 {
            do {
                let rows = try await pool.query(
                    """
                    INSERT INTO dag_runs AS r (dag_id, run_id, dag_hash, state, run_type, conf, logical_date)
                    SELECT d.dag_id,
                           coalesce($2, 'manual__' || to_char(
                               coalesce(to_timestamp($4::double precision), clock_timestamp()) AT TIME ZONE 'UTC',
                               'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')),
                           d.current_hash, 'queued', 'manual', $3::jsonb,
                           coalesce(to_timestamp($4::double precision), clock_timestamp())
                    FROM dags d WHERE d.dag_id = $1 AND d.is_active
                    RETURNING \(RunRecord.columns)
                    """, [dagId, runId, conf, logicalDate.map { String($0) }], context: "trigger \(dagId)"
                ).rows
                guard let row = rows.first else {
                    let known = try await pool.query("SELECT dag_id FROM dags WHERE is_active").rows.compactMap {
                        $0["dag_id"]
                    }
                    let hint = Suggestion.hint(for: dagId, among: known).map { "; \($0)" } ?? ""
                    throw PGError(code: .notFound, message: "no active DAG '\(dagId)'\(hint)")
                }
                return try RunRecord(row: row)
            } catch let error as PGError where error.sqlState == "23505" {
                if let runId { throw PGError(code: .conflict, message: "DAG '\(dagId)' already has a run '\(runId)'") }
                if logicalDate != nil {
                    throw PGError(
                        code: .conflict, message: "DAG '\(dagId)' already has a manual run at that logical date")
                }
                if attempt == 5 { throw error }
            }
        }
        throw PGError(code: .conflict, message: "could not choose a unique run id for DAG '\(dagId)'")
    }

    /// Runs the scheduler has not started yet, of DAGs that are not paused, oldest logical date first.
    public func queued(limit: Int = 100) async throws -> [RunRecord] {
        try await pool.query(
            """
            SELECT \(RunRecord.columns) FROM dag_runs r JOIN dags d ON d.dag_id = r.dag_id
            WHERE r.state = 'queued' AND NOT d.is_paused ORDER BY r.logical_date, r.id LIMIT $1
            """, [String(limit)], context: "list queued runs"
        ).rows.map(RunRecord.init(row:))
    }

    /// Creates a scheduled or backfill run for one data interval of the DAG's current version,
    /// unless a run with that logical date exists (whichever scheduler or backfill made it).
    /// - Returns: the run, or nil when it already existed.
    public func createAutomated(dagId: String, interval: DataInterval, runType: String) async throws -> RunRecord? {
        precondition(runType == "scheduled" || runType == "backfill", "automated runs are scheduled or backfill")
        let runId =
            "\(runType)__"
            + LocalDate.format(Date(timeIntervalSince1970: interval.start.timeIntervalSince1970), in: .gmt)
        return try await pool.query(
            """
            INSERT INTO dag_runs AS r (dag_id, run_id, dag_hash, state, run_type, logical_date, data_interval_start,
                                       data_interval_end)
            SELECT d.dag_id, $2, d.current_hash, 'queued', $3, to_timestamp($4), to_timestamp($4), to_timestamp($5)
            FROM dags d WHERE d.dag_id = $1 AND d.is_active
            ON CONFLICT DO NOTHING
            RETURNING \(RunRecord.columns)
            """,
            [
                dagId, runId, runType, String(interval.start.timeIntervalSince1970),
                String(interval.end.timeIntervalSince1970),
            ],
            context: "create \(runType) run of \(dagId)"
        ).rows.first.map(RunRecord.init(row:))
    }

    /// The data interval of the DAG's automated run with the latest logical date.
    public func lastAutomatedInterval(dagId: String) async throws -> DataInterval? {
        guard
            let row = try await pool.query(
                """
                SELECT extract(epoch FROM data_interval_start) AS s, extract(epoch FROM data_interval_end) AS e
                FROM dag_runs WHERE dag_id = $1 AND run_type IN ('scheduled', 'backfill') AND data_interval_start IS NOT NULL
                ORDER BY logical_date DESC LIMIT 1
                """, [dagId], context: "last automated run"
            ).rows.first, let start = row.double("s"), let end = row.double("e")
        else { return nil }
        return DataInterval(start: Date(timeIntervalSince1970: start), end: Date(timeIntervalSince1970: end))
    }

    /// How many runs of each DAG are queued and how many are running.
    public func activeCounts() async throws -> [String: (queued: Int, running: Int)] {
        var result: [String: (queued: Int, running: Int)] = [:]
        for row in try await pool.query(
            """
            SELECT dag_id, count(*) FILTER (WHERE state = 'queued') AS queued, count(*) FILTER (WHERE state = 'running') AS running
            FROM dag_runs WHERE state IN ('queued', 'running') GROUP BY dag_id
            """, context: "count active runs"
        ).rows {
            if let dagId = row["dag_id"] { result[dagId] = (row.int("queued") ?? 0, row.int("running") ?? 0) }
        }
        return result
    }

    /// Running runs.
    public func running() async throws -> [RunRecord] {
        try await pool.query(
            "SELECT \(RunRecord.columns) FROM dag_runs r WHERE state = 'running' ORDER BY id",
            context: "list running runs"
        ).rows.map(RunRecord.init(row:))
    }

    /// Fails a run that outlived its `dagrun_timeout`; its unfinished tasks become `skipped` (Airflow 2),
    /// and workers stop the ones that were running.
    /// - Returns: false if the run had already finished.
    @discardableResult
    public func timeOut(_ id: Int64) async throws -> Bool {
        try await pool.transaction { connection in
            let failed = try await connection.query(
                "UPDATE dag_runs SET state = 'failed', ended_at = clock_timestamp() WHERE id = $1 AND state = 'running'",
                [String(id)], context: "time out run \(id)")
            guard failed.affectedRows == 1 else { return false }
            try await connection.query(
                """
                UPDATE task_instances SET state = 'skipped', ended_at = clock_timestamp()
                WHERE run_id = $1 AND state IN \(TaskInstanceMachine.sqlSources(of: .endRun(.skipped)))
                """, [String(id)], context: "skip tasks of timed-out run \(id)")
            return true
        }
    }

    /// Ids of running runs.
    public func runningIds() async throws -> [Int64] {
        try await pool.query(
            "SELECT id FROM dag_runs WHERE state = 'running' ORDER BY id", context: "list running runs"
        )
        .rows.compactMap { $0.int64("id") }
    }

    /// Moves a queued run to running and creates one task instance (state `none`) per task that has
    /// none yet (a run marked queued again keeps its own), unless
    /// the DAG already has `max_active_runs` running. A per-DAG advisory lock makes schedulers take
    /// turns, so the limit holds with several of them.
    /// - Returns: false when another scheduler started it first, or the DAG is at its limit.
    public func start(_ run: RunRecord, dag: DAG) async throws -> Bool {
        try await start([(run, CompiledDAG(dag))]).contains(run.id)
    }

    /// Starts queued runs as ``start(_:dag:)`` does, all in one transaction sent in one round trip:
    /// the DAGs' advisory locks are taken in DAG id order (so two schedulers cannot deadlock), then
    /// each run moves to running only while its DAG is under `max_active_runs` (counted in the same
    /// transaction, so earlier runs of the batch count), and gets its task instances.
    /// - Returns: the ids of the runs started now.
    public func start(_ batch: [(run: RunRecord, dag: CompiledDAG)]) async throws -> Set<Int64> {
        guard !batch.isEmpty else { return [] }
        typealias Statement = PGConnection.Statement
        var statements = [Statement("BEGIN")]
        for dagId in Set(batch.map(\.run.dagId)).sorted() {
            statements.append(
                Statement(
                    "SELECT pg_advisory_xact_lock(hashtext('tide-runs:' || current_schema() || ':' || $1))", [dagId],
                    context: "run start lock"))
        }
        for (run, dag) in batch {
            statements.append(
                Statement(
                    """
                    UPDATE dag_runs SET state = 'running', started_at = clock_timestamp()
                    WHERE id = $1 AND state = 'queued'
                      AND (SELECT count(*) FROM dag_runs WHERE dag_id = $2 AND state = 'running') < $3
                    RETURNING id
                    """, [String(run.id), run.dagId, String(dag.dag.maxActiveRuns)], context: "start run \(run.id)"))
            statements.append(Self.createTaskInstances(run: run, dag: dag, defaultWeightRule: defaultWeightRule))
        }
        statements.append(Statement("COMMIT"))
        return try await pool.withConnection { connection in
            do {
                let results = try await connection.pipeline(statements)
                return Set(results.flatMap { $0.rows.compactMap { $0.int64("id") } })
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    /// Creates a started run's task instances (none when the run is not running: at its limit,
    /// or started by another scheduler, which created them).
    private static func createTaskInstances(run: RunRecord, dag compiled: CompiledDAG, defaultWeightRule: WeightRule)
        -> PGConnection.Statement
    {
        let dag = compiled.dag
        let priorities = compiled.effectivePriorities(defaultRule: defaultWeightRule)
        return PGConnection.Statement(
            """
            INSERT INTO task_instances (run_id, dag_id, task_id, state, max_tries, retry_delay_seconds, queue,
                                        priority_weight, is_leaf, pool, pool_slots, node_pool)
            SELECT $1, $2, t.task_id, 'none', t.max_tries, t.delay, t.queue, t.priority, t.is_leaf, t.pool, t.slots,
                   nullif(t.node_pool, '')
            FROM unnest($3::text[], $4::int[], $5::float8[], $6::text[], $7::int[], $8::boolean[], $9::text[], $10::int[],
                        $11::text[])
                 AS t(task_id, max_tries, delay, queue, priority, is_leaf, pool, slots, node_pool)
            WHERE EXISTS (SELECT 1 FROM dag_runs WHERE id = $1 AND state = 'running')
              -- A run marked queued again keeps the task instances it has (a mapped task's too).
              AND NOT EXISTS (SELECT 1 FROM task_instances ti WHERE ti.run_id = $1 AND ti.task_id = t.task_id)
            ON CONFLICT DO NOTHING
            """,
            [
                String(run.id), run.dagId, PGArray.literal(dag.tasks.map(\.taskId)),
                PGArray.literal(dag.tasks.map { Int64($0.retries + 1) }),
                "{" + dag.tasks.map { String($0.retryDelaySeconds) }.joined(separator: ",") + "}",
                PGArray.literal(dag.tasks.map(\.queue)),
                PGArray.literal(dag.tasks.map { Int64(priorities[$0.taskId] ?? $0.priorityWeight) }),
                "{" + (0..<compiled.taskCount).map { compiled.isLeaf($0) ? "true" : "false" }.joined(separator: ",")
                    + "}",
                PGArray.literal(dag.tasks.map(\.pool)), PGArray.literal(dag.tasks.map { Int64($0.poolSlots) }),
                PGArray.literal(dag.tasks.map { $0.nodePool ?? "" }),
            ], context: "create task instances of run \(run.id)")
    }

    /// Finishes each given running run whose task instances are all finished: `failed` if any leaf
    /// task (one without downstream tasks) failed or was upstream_failed, else `success` (Airflow's rule).
    /// - Returns: the runs finished now.
    /// - Parameter callbacks: the DAG-level callbacks of a finished run, written to the outbox in the
    ///   same transaction (so a crash cannot finish a run and lose its callback).
    /// - Returns: the runs finished now, and how many callbacks were written for them.
    /// - Parameter mayHaveCallbacks: false when none of the runs' DAGs has run callbacks: the
    ///   statement then runs alone, without a transaction around it (the scheduler's every pass).
    public func finishCompleted(
        _ runIds: [Int64], mayHaveCallbacks: Bool = true,
        callbacks: @escaping @Sendable (RunRecord) async throws -> [CallbackStore.Item] = { _ in [] }
    ) async throws -> (runs: [RunRecord], callbacks: Int) {
        guard !runIds.isEmpty else { return ([], 0) }
        let parameters = [PGArray.literal(runIds)]
        guard mayHaveCallbacks else {
            let finished = try await pool.query(Self.finishCompletedSQL, parameters, context: "finish runs")
            return (try finished.rows.map(RunRecord.init(row:)), 0)
        }
        return try await pool.transaction { connection in
            let finished = try await connection.query(Self.finishCompletedSQL, parameters, context: "finish runs")
                .rows.map(RunRecord.init(row:))
            var items: [CallbackStore.Item] = []
            for run in finished { items += try await callbacks(run) }
            try await CallbackStore.enqueue(items, on: connection)
            return (finished, items.count)
        }
    }

    static let finishCompletedSQL = """
        UPDATE dag_runs r SET ended_at = clock_timestamp(),
            state = CASE WHEN EXISTS (SELECT 1 FROM task_instances ti WHERE ti.run_id = r.id AND ti.is_leaf
                                      AND ti.state IN ('failed', 'upstream_failed')) THEN 'failed' ELSE 'success' END
        WHERE r.id = ANY($1::bigint[]) AND r.state = 'running'
          AND NOT EXISTS (SELECT 1 FROM task_instances ti WHERE ti.run_id = r.id
                          AND ti.state NOT IN \(TaskState.finishedSQLList))
        RETURNING \(RunRecord.columns)
        """

    /// Fails a run that can never progress (its DAG version is missing or unreadable), with every
    /// unfinished task instance.
    /// - Returns: false if the run had already finished.
    @discardableResult
    public func abandon(_ id: Int64) async throws -> Bool {
        try await pool.transaction { connection in
            let failed = try await connection.query(
                """
                UPDATE dag_runs SET state = 'failed', ended_at = clock_timestamp()
                WHERE id = $1 AND state IN ('queued', 'running')
                """, [String(id)], context: "abandon run \(id)")
            guard failed.affectedRows == 1 else { return false }
            try await connection.query(
                """
                UPDATE task_instances SET state = 'failed', ended_at = clock_timestamp()
                WHERE run_id = $1 AND state IN \(TaskInstanceMachine.sqlSources(of: .endRun(.failed)))
                """, [String(id)], context: "abandon tasks of run \(id)")
            return true
        }
    }

    /// One run.
    /// - Throws: ``PGError`` `notFound`.
    public func get(_ id: Int64) async throws -> RunRecord {
        guard
            let row = try await pool.query(
                "SELECT \(RunRecord.columns) FROM dag_runs r WHERE id = $1", [String(id)], context: "load run"
            ).rows.first
        else { throw PGError(code: .notFound, message: "no run with id \(id)") }
        return try RunRecord(row: row)
    }

    /// Runs, newest first, optionally of one DAG.
    public func list(dagId: String? = nil, limit: Int = 50) async throws -> [RunRecord] {
        try await pool.query(
            "SELECT \(RunRecord.columns) FROM dag_runs r WHERE $1::text IS NULL OR dag_id = $1 ORDER BY id DESC LIMIT $2",
            [dagId, String(limit)], context: "list runs"
        ).rows.map(RunRecord.init(row:))
    }
}

import TideCore

/// Task instances: every state change is one guarded statement, so concurrent schedulers and
/// workers (and stale messages) can never move a try twice.
public struct TaskInstanceStore: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// A try that was just queued: the message to push and its priority.
    public struct QueuedTry: Sendable, Hashable {
        public var message: TaskMessage
        public var priority: Int
    }

    /// A try a worker won: everything needed to run it.
    public struct ClaimedTry: Sendable {
        public var runId: Int64
        public var dagId: String
        public var taskId: String
        public var runName: String
        public var dagHash: String
        public var conf: String
        public var maxTries: Int
        /// The task's `retry_delay` as stored when its run was created (for when the DAG version
        /// cannot be read; otherwise ``RetryPolicy`` computes the delay with back-off).
        public var storedRetryDelaySeconds: Double
        /// `manual`, `scheduled` or `backfill`.
        public var runType: String
        /// The run's logical date (Unix seconds).
        public var logicalDate: Double
        /// The run's data interval (Unix seconds), for scheduled and backfill runs.
        public var dataIntervalStart: Double?
        public var dataIntervalEnd: Double?
        /// For a sensor in reschedule mode: how long ago its first check started (by PostgreSQL's
        /// clock, so a worker's skewed clock does not move its timeout), and how many checks its
        /// earlier tries made.
        public var sensingForSeconds: Double?
        public var sensorPokes = 0
        /// A mapped instance's index (-1 when the task is not mapped) and its arguments (name → item).
        public var mapIndex = -1
        public var mapItem: [String: JSONValue] = [:]
    }

    /// The state a finished try left its task instance in.
    public struct FinishedTry: Sendable, Hashable {
        public var runId: Int64
        public var state: TaskState
    }

    /// Every task instance of a run, in creation (file) order; a mapped task's by map index.
    public func forRun(_ runId: Int64) async throws -> [TaskInstanceRecord] {
        try await pool.query(
            """
            SELECT \(TaskInstanceRecord.columns) FROM task_instances ti WHERE run_id = $1
            ORDER BY min(id) OVER (PARTITION BY task_id), map_index
            """,
            [String(runId)], context: "list task instances"
        ).rows.map(TaskInstanceRecord.init(row:))
    }

    /// The instances of one task in a run: one, or a mapped task's instances once it is expanded.
    public struct TaskInstances: Sendable, Hashable {
        /// One instance: its id, map index (-1 for a task that is not mapped) and state.
        public struct Instance: Sendable, Hashable {
            public var id: Int64
            public var mapIndex: Int
            public var state: TaskState
        }

        /// By map index.
        public var instances: [Instance]

        /// The first instance's id.
        public var id: Int64 { instances.first?.id ?? 0 }
        /// The task's state: its instance's, or ``TaskState/mapped(_:)`` of a mapped task's instances.
        public var state: TaskState {
            instances.count == 1 ? instances[0].state : TaskState.mapped(instances.map(\.state))
        }
        /// Whether the task was expanded into mapped instances (map indexes from 0).
        public var isExpanded: Bool { instances.contains { $0.mapIndex >= 0 } }
        /// Every instance's id.
        public var ids: [Int64] { instances.map(\.id) }
    }

    /// The instances of the named tasks of several runs, in one query.
    /// - Parameter tasks: per run, the task ids wanted.
    /// - Returns: per run, task id → its instances.
    public func states(of tasks: [Int64: [String]]) async throws -> [Int64: [String: TaskInstances]] {
        let pairs = tasks.flatMap { run, ids in ids.map { (run, $0) } }
        guard !pairs.isEmpty else { return [:] }
        let rows = try await pool.query(
            """
            SELECT ti.run_id, ti.task_id, ti.id, ti.state, ti.map_index FROM task_instances ti
            JOIN unnest($1::bigint[], $2::text[]) AS wanted(run_id, task_id)
              ON ti.run_id = wanted.run_id AND ti.task_id = wanted.task_id
            """, [PGArray.literal(pairs.map(\.0)), PGArray.literal(pairs.map(\.1))], context: "read task states"
        ).rows
        var result: [Int64: [String: TaskInstances]] = [:]
        for row in rows {
            if let run = row.int64("run_id"), let id = row.int64("id"), let task = row["task_id"],
                let state = row["state"].flatMap(TaskState.init(rawValue:))
            {
                let instance = TaskInstances.Instance(id: id, mapIndex: row.int("map_index") ?? -1, state: state)
                result[run, default: [:]][task, default: TaskInstances(instances: [])].instances.append(instance)
            }
        }
        // Only a mapped task has several instances: they alone are put in map index order (no sort
        // of every row in the scheduler's hot query).
        for (run, tasks) in result {
            for (task, found) in tasks where found.instances.count > 1 {
                result[run]?[task]?.instances.sort { $0.mapIndex < $1.mapIndex }
            }
        }
        return result
    }

    /// The states of the named tasks in the DAG's previous run (the run with the latest logical date
    /// before this one's). Tasks absent there are absent from the result.
    public func statesInPreviousRun(of runId: Int64, taskIds: [String]) async throws -> [String: TaskState] {
        guard !taskIds.isEmpty else { return [:] }
        let rows = try await pool.query(
            """
            WITH previous AS (
                SELECT p.id FROM dag_runs current JOIN dag_runs p
                  ON p.dag_id = current.dag_id AND p.logical_date < current.logical_date
                WHERE current.id = $1 ORDER BY p.logical_date DESC LIMIT 1)
            SELECT ti.task_id, ti.state FROM task_instances ti JOIN previous ON ti.run_id = previous.id
            WHERE ti.task_id = ANY($2::text[])
            """, [String(runId), PGArray.literal(taskIds)], context: "read previous run's states"
        ).rows
        var result: [String: TaskState] = [:]
        for row in rows {
            if let task = row["task_id"], let state = row["state"].flatMap(TaskState.init(rawValue:)) {
                result[task] = state
            }
        }
        return result
    }

    /// Runs (among `runIds`) that still have task instances in state `none`.
    public func runsWithUndecidedTasks(_ runIds: [Int64]) async throws -> [Int64] {
        guard !runIds.isEmpty else { return [] }
        return try await pool.query(
            "SELECT DISTINCT run_id FROM task_instances WHERE run_id = ANY($1::bigint[]) AND state = 'none'",
            [PGArray.literal(runIds)], context: "find undecided runs"
        ).rows.compactMap { $0.int64("run_id") }
    }

    /// Marks never-run tasks `skipped` or `upstream_failed` (only if they are still `none`).
    public func markUnrunnable(_ ids: [Int64], as state: TaskState) async throws {
        guard !ids.isEmpty else { return }
        precondition(
            state == .skipped || state == .upstreamFailed, "only skipped/upstream_failed are decided without a run")
        let event: TaskInstanceEvent = state == .skipped ? .skip : .failUpstream
        try await pool.query(
            """
            UPDATE task_instances SET state = $2, ended_at = clock_timestamp()
            WHERE id = ANY($1::bigint[]) AND \(TaskInstanceMachine.sqlSourcesGuard(of: event))
            """, [PGArray.literal(ids), state.rawValue], context: "mark \(state.rawValue)")
    }

    /// Marks `empty` tasks whose dependencies are met as succeeded, without a worker (try 1), with
    /// a dataset event for each of their `outlets` (task instance id → URIs).
    public func markEmptySucceeded(_ ids: [Int64], outlets: [Int64: [String]] = [:]) async throws {
        guard !ids.isEmpty else { return }
        let withOutlets = ids.filter { outlets[$0]?.isEmpty == false }
        guard !withOutlets.isEmpty else {
            try await pool.query(Self.succeedEmptySQL, [PGArray.literal(ids)], context: "succeed empty tasks")
            return
        }
        try await pool.query(
            """
            WITH done AS (\(Self.succeedEmptySQL) RETURNING id, run_id, dag_id, task_id, try_number),
            outlet_rows AS (
                SELECT o.uri, d.dag_id, d.run_id, d.task_id, d.try_number
                FROM done d JOIN unnest($2::bigint[], $3::text[]) AS w(id, outlets) ON w.id = d.id,
                     jsonb_array_elements_text(w.outlets::jsonb) AS o(uri)
            ), \(DatasetEventSQL.record(from: "outlet_rows"))
            SELECT count(*) FROM done
            """,
            [
                PGArray.literal(ids), PGArray.literal(withOutlets),
                PGArray.literal(withOutlets.map { DatasetEventSQL.urisJSON(outlets[$0] ?? []) }),
            ], context: "succeed empty tasks")
    }

    private static let succeedEmptySQL = """
        UPDATE task_instances SET state = 'success', try_number = 1, scheduled_at = clock_timestamp(),
            started_at = clock_timestamp(), ended_at = clock_timestamp()
        WHERE id = ANY($1::bigint[]) AND \(TaskInstanceMachine.sqlSourcesGuard(of: .succeedWithoutRunning))
        """

    /// Moves tasks to `queued` with the next try number, ready to push. Tasks another scheduler
    /// queued first are left out. The caller pushes the messages only after this commits.
    public func queue(_ ids: [Int64]) async throws -> [QueuedTry] {
        try await pool.withConnection { try await Self.queue(ids, on: $0) }
    }

    static func queue(_ ids: [Int64], on connection: PGConnection) async throws -> [QueuedTry] {
        guard !ids.isEmpty else { return [] }
        return try await connection.query(queueSQL, [PGArray.literal(ids)], context: "queue task instances").rows
            .compactMap(Self.queuedTry)
    }

    /// Moves the task instances in `$1` to `queued` with the next try number. One that was not
    /// `scheduled` (queued as soon as it was ready) is scheduled now, and held by nothing.
    static let queueSQL = """
        UPDATE task_instances SET state = 'queued', try_number = try_number + 1,
            scheduled_at = CASE WHEN state = 'scheduled' THEN coalesce(scheduled_at, clock_timestamp())
                ELSE clock_timestamp() END,
            held_reason = CASE WHEN state = 'scheduled' THEN held_reason END,
            queued_at = clock_timestamp(), next_retry_at = NULL,
            started_at = NULL, ended_at = NULL, worker_id = NULL, hostname = NULL, pid = NULL, exit_code = NULL,
            external_id = NULL, pod_created_at = NULL, pod_scheduled_at = NULL, container_started_at = NULL,
            node_name = NULL, pod_waiting_reason = NULL
        WHERE id = ANY($1::bigint[]) AND \(TaskInstanceMachine.sqlSourcesGuard(of: .queue))
        RETURNING id, try_number, queue, dag_id, task_id, priority_weight
        """

    /// A task instance whose wait for `next_retry_at` is over.
    public struct DueTry: Sendable, Hashable {
        public var id: Int64
        public var runId: Int64
        public var taskId: String
        /// `up_for_retry`, or `up_for_reschedule` (a sensor's next check).
        public var state: TaskState
    }

    /// Tasks waiting in `up_for_retry` whose retry delay has passed, and sensors in
    /// `up_for_reschedule` whose next check is due.
    public func dueRetries(limit: Int = 1000) async throws -> [DueTry] {
        try await pool.query(
            """
            SELECT id, run_id, task_id, state FROM task_instances
            WHERE state IN \(Self.waitingForTimeSQLList) AND next_retry_at <= clock_timestamp()
            ORDER BY next_retry_at LIMIT $1
            """, [String(limit)], context: "find due retries"
        ).rows.compactMap { row in
            guard let id = row.int64("id"), let runId = row.int64("run_id"), let taskId = row["task_id"],
                let state = row["state"].flatMap(TaskState.init(rawValue:))
            else { return nil }
            return DueTry(id: id, runId: runId, taskId: taskId, state: state)
        }
    }

    /// The states that wait for `next_retry_at`.
    static let waitingForTimeSQLList = TaskState.sqlList([.upForRetry, .upForReschedule])

    /// Seconds until the earliest pending retry (or sensor check) is due, if any.
    public func secondsUntilNextRetry() async throws -> Double? {
        try await pool.query(
            """
            SELECT extract(epoch FROM min(next_retry_at) - clock_timestamp()) AS wait
            FROM task_instances WHERE state IN \(Self.waitingForTimeSQLList)
            """, context: "next retry"
        ).rows.first?.double("wait")
    }

    /// Tries `queued` for longer than `seconds` (their message may be lost). Their `queued_at` is
    /// touched, so each is checked again only after another `seconds`.
    public func staleQueued(olderThan seconds: Double, limit: Int = 1000) async throws -> [QueuedTry] {
        try await pool.query(
            """
            UPDATE task_instances SET queued_at = clock_timestamp()
            WHERE id IN (SELECT id FROM task_instances WHERE state = 'queued'
                         AND queued_at < clock_timestamp() - $1 * interval '1 second' LIMIT $2)
              AND state = 'queued'
            RETURNING id, try_number, queue, dag_id, task_id, priority_weight
            """, [String(seconds), String(limit)], context: "find stale queued tries"
        ).rows.compactMap(Self.queuedTry)
    }

    /// One try of one task instance.
    public struct TryRef: Sendable, Hashable {
        public var taskInstanceId: Int64
        public var tryNumber: Int

        public init(taskInstanceId: Int64, tryNumber: Int) {
            self.taskInstanceId = taskInstanceId
            self.tryNumber = tryNumber
        }
    }

    /// The fenced claim of many tries in one statement: each starts only if it is still `queued`
    /// with its try number. A try missing from the result was a duplicate or stale message
    /// (someone else has, or had, the try); a try named twice is claimed once.
    public func claim(_ tries: [TryRef], workerId: String, hostname: String, pid: Int) async throws
        -> [TryRef: ClaimedTry]
    {
        guard !tries.isEmpty else { return [:] }
        let rows = try await pool.query(
            Self.claimSQL,
            Self.claimParameters(tries, workerId: workerId, hostname: hostname, pid: pid),
            context: "claim \(tries.count) tries"
        ).rows
        var claimed: [TryRef: ClaimedTry] = [:]
        for row in rows {
            guard let id = row.int64("id"), let tryNumber = row.int("try_number") else { continue }
            claimed[TryRef(taskInstanceId: id, tryNumber: tryNumber)] = try Self.claimedTry(row)
        }
        return claimed
    }

    /// Runs the worker's claim and finish on no tries, in one round trip: a session planning each
    /// statement once (``PGSessionPlanning/onceByKey``) plans them now, before tries wait on them.
    /// Changes nothing.
    public static func prepareWorkerStatements(on connection: PGConnection) async throws {
        _ = try await connection.pipeline([
            .init(claimSQL, claimParameters([], workerId: "", hostname: "", pid: 0), context: "plan the claim"),
            .init(finishSQL, finishParameters([], appendingLog: false), context: "plan the finish"),
        ])
    }

    /// The fenced claim of the tries in `$1` (ids) and `$2` (try numbers) for worker `$3`.
    static let claimSQL = """
        UPDATE task_instances ti SET state = 'running', started_at = clock_timestamp(),
            worker_id = $3, hostname = $4, pid = $5
        FROM unnest($1::bigint[], $2::int[]) AS wanted(id, try_number), dag_runs r
        -- ti.id = ANY($1) repeats the join so that the primary key finds the batch.
        WHERE ti.id = ANY($1::bigint[]) AND ti.id = wanted.id AND ti.try_number = wanted.try_number
          AND \(TaskInstanceMachine.sqlSourcesGuard(of: .claim, column: "ti.state")) AND r.id = ti.run_id
        RETURNING ti.id, ti.try_number, \(Self.claimedColumns)
        """

    static func claimParameters(_ tries: [TryRef], workerId: String, hostname: String, pid: Int) -> [String?] {
        [
            PGArray.literal(tries.map(\.taskInstanceId)), PGArray.literal(tries.map { Int64($0.tryNumber) }),
            workerId, hostname, String(pid),
        ]
    }

    /// A try that a worker claimed and is running, read without changing it (for `tide tasks run`
    /// in the try's pod).
    /// - Returns: nil when the try is not running (any more).
    public func runningTry(taskInstanceId: Int64, tryNumber: Int) async throws -> ClaimedTry? {
        try await pool.query(
            """
            SELECT \(Self.claimedColumns)
            FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id
            WHERE ti.id = $1 AND ti.try_number = $2 AND ti.state = 'running'
            """, [String(taskInstanceId), String(tryNumber)],
            context: "read running task instance \(taskInstanceId) try \(tryNumber)"
        ).rows.first.map(Self.claimedTry)
    }

    static let claimedColumns = """
        ti.run_id, ti.dag_id, ti.task_id, ti.max_tries, ti.retry_delay_seconds, r.run_id AS run_name, r.dag_hash, r.conf::text AS conf,
            extract(epoch FROM r.logical_date) AS logical_date, r.run_type,
            extract(epoch FROM r.data_interval_start) AS data_interval_start,
            extract(epoch FROM r.data_interval_end) AS data_interval_end,
            extract(epoch FROM clock_timestamp() - ti.sensing_since) AS sensing_for, ti.sensor_pokes,
            ti.map_index, ti.map_item::text AS map_item
        """

    static func claimedTry(_ row: PGRow) throws -> ClaimedTry {
        guard let runId = row.int64("run_id"), let dagId = row["dag_id"], let taskId = row["task_id"],
            let runName = row["run_name"], let hash = row["dag_hash"]
        else { throw PGError(code: .corruptRow, message: "unreadable claimed try") }
        return ClaimedTry(
            runId: runId, dagId: dagId, taskId: taskId, runName: runName, dagHash: hash, conf: row["conf"] ?? "{}",
            maxTries: row.int("max_tries") ?? 1, storedRetryDelaySeconds: row.double("retry_delay_seconds") ?? 0,
            runType: row["run_type"] ?? "manual",
            logicalDate: row.double("logical_date") ?? 0,
            dataIntervalStart: row.double("data_interval_start"), dataIntervalEnd: row.double("data_interval_end"),
            sensingForSeconds: row.double("sensing_for"), sensorPokes: row.int("sensor_pokes") ?? 0,
            mapIndex: row.int("map_index") ?? -1,
            mapItem: row["map_item"].flatMap { try? JSONValue.parse($0) }?.object ?? [:])
    }

    /// Which of these task instances are still `running` on this worker.
    public func stillRunning(_ ids: [Int64], on workerId: String) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        return Set(
            try await pool.query(
                "SELECT id FROM task_instances WHERE id = ANY($1::bigint[]) AND state = 'running' AND worker_id = $2",
                [PGArray.literal(ids), workerId], context: "check running tries"
            ).rows.compactMap { $0.int64("id") })
    }

    /// What a rescue found: pod tries queued again for adoption, and local tries to fail.
    public struct Rescue: Sendable {
        /// Runs whose pod tries went back to `queued`.
        public var runIds: [Int64] = []
        /// Tries with a pod, queued again with the same try number; push their messages.
        public var adopted: [QueuedTry] = []
        /// Local tries of dead workers, still `running`: fail each with ``failLostTry(_:notice:retryDelaySeconds:callbacks:)``.
        public var lost: [LostTry] = []
    }

    /// A try still `running` on a worker that was declared dead.
    public struct LostTry: Sendable, Hashable {
        public var taskInstanceId: Int64
        public var tryNumber: Int
        public var workerId: String
        public var runId: Int64
        public var dagId: String
        public var taskId: String
        public var runName: String
        /// The run's logical date (Unix seconds).
        public var logicalDate: Double
        /// Tries the task instance may have, for the retry rule.
        public var maxTries: Int
        /// The task's stored `retry_delay`, for when its DAG version cannot be read.
        public var storedRetryDelaySeconds: Double
    }

    /// Marks workers dead whose heartbeat is older than `seconds`, queues their pod tries again
    /// with the same try number (the worker that claims it reattaches to the pod), and returns
    /// their other tries, which the caller fails through ``failLostTry(_:notice:retryDelaySeconds:callbacks:)``.
    public func rescueTriesOfDeadWorkers(heartbeatOlderThan seconds: Double) async throws -> Rescue {
        try await pool.transaction { connection in
            try await connection.query(
                """
                UPDATE workers SET state = 'dead'
                WHERE state IN ('running', 'draining') AND heartbeat_at < clock_timestamp() - $1 * interval '1 second'
                """, [String(seconds)], context: "find dead workers")
            let adopted = try await connection.query(
                """
                UPDATE task_instances SET state = 'queued', queued_at = clock_timestamp(), worker_id = NULL,
                    hostname = NULL, pid = NULL
                WHERE state IN \(TaskInstanceMachine.sqlSources(of: .giveBack)) AND external_id IS NOT NULL
                  AND worker_id IN (SELECT id FROM workers WHERE state IN ('dead', 'stopped'))
                RETURNING id, try_number, queue, dag_id, task_id, priority_weight, run_id
                """, context: "queue pod tries of dead workers for adoption"
            ).rows
            let lost = try await connection.query(
                """
                SELECT ti.id, ti.try_number, ti.worker_id, ti.run_id, ti.dag_id, ti.task_id, r.run_id AS run_name,
                       extract(epoch FROM r.logical_date) AS logical_date, ti.max_tries, ti.retry_delay_seconds
                FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id
                WHERE ti.state = 'running'
                  AND ti.worker_id IN (SELECT id FROM workers WHERE state IN ('dead', 'stopped'))
                ORDER BY ti.id
                """, context: "find tries of dead workers"
            ).rows.compactMap { row -> LostTry? in
                guard let id = row.int64("id"), let tryNumber = row.int("try_number"), let worker = row["worker_id"],
                    let runId = row.int64("run_id"), let dagId = row["dag_id"], let taskId = row["task_id"]
                else { return nil }
                return LostTry(
                    taskInstanceId: id, tryNumber: tryNumber, workerId: worker, runId: runId, dagId: dagId,
                    taskId: taskId, runName: row["run_name"] ?? "", logicalDate: row.double("logical_date") ?? 0,
                    maxTries: row.int("max_tries") ?? tryNumber,
                    storedRetryDelaySeconds: row.double("retry_delay_seconds") ?? 0)
            }
            return Rescue(
                runIds: adopted.compactMap { $0.int64("run_id") }, adopted: adopted.compactMap(Self.queuedTry),
                lost: lost)
        }
    }

    /// Fails a dead worker's try through the same fenced path as a worker's own result: the retry
    /// rule (``RetryDecision``, with `retryDelaySeconds`) decides `up_for_retry` or `failed`, the
    /// callbacks for that state are queued, and `notice` is appended to what the worker had stored
    /// of its log, so the try stays in the history with where it ran and why it ended. Returns nil
    /// when the worker's own result got there first.
    public func failLostTry(
        _ lost: LostTry, notice: String, retryDelaySeconds: Double, callbacks: [TaskState: [CallbackStore.Item]]
    ) async throws -> FinishedTry? {
        let line = "[tide] \(notice)\n"
        return try await finish(
            TryResult(
                taskInstanceId: lost.taskInstanceId, tryNumber: lost.tryNumber, workerId: lost.workerId,
                outcome: .failed,
                decision: .decide(
                    outcome: .failed, tryNumber: lost.tryNumber, maxTries: lost.maxTries,
                    delaySeconds: retryDelaySeconds),
                log: line, callbacks: callbacks),
            appendingLog: true)
    }

    static func queuedTry(_ row: PGRow) -> QueuedTry? {
        guard let id = row.int64("id"), let tryNumber = row.int("try_number"), let queue = row["queue"],
            let dagId = row["dag_id"], let taskId = row["task_id"]
        else { return nil }
        return QueuedTry(
            message: TaskMessage(taskInstanceId: id, tryNumber: tryNumber, queue: queue, dagId: dagId, taskId: taskId),
            priority: row.int("priority_weight") ?? 1)
    }
}

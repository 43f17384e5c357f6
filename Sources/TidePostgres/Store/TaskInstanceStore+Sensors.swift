import TideCore

/// The sensors the scheduler checks itself (another DAG's task or run): what they wait for, read
/// from PostgreSQL, and what each check found.
extension TaskInstanceStore {
    /// Another DAG's task instance (or, without a task, its run) at a logical date.
    public struct AwaitedInstance: Sendable, Hashable {
        public var dagId: String
        public var taskId: String?
        /// Unix seconds.
        public var logicalDate: Double

        public init(dagId: String, taskId: String?, logicalDate: Double) {
            self.dagId = dagId
            self.taskId = taskId
            self.logicalDate = logicalDate
        }
    }

    /// The current state of each awaited task instance or run; missing when there is no such run
    /// (or the run has no such task). A mapped task's is ``TaskState/mapped(_:)`` of its instances.
    /// Logical dates match to the millisecond (they travel as floating-point seconds).
    public func states(of awaited: [AwaitedInstance]) async throws -> [AwaitedInstance: TaskState] {
        guard !awaited.isEmpty else { return [:] }
        let rows = try await pool.query(
            """
            SELECT w.n, CASE WHEN w.task_id IS NULL THEN r.state ELSE ti.state END AS state
            FROM unnest($1::text[], $2::text[], $3::float8[]) WITH ORDINALITY AS w(dag_id, task_id, logical_date, n)
            JOIN LATERAL (
                SELECT id, state FROM dag_runs
                WHERE dag_id = w.dag_id AND logical_date >= to_timestamp(w.logical_date - 0.0005)
                  AND logical_date < to_timestamp(w.logical_date + 0.0005)
                ORDER BY id DESC LIMIT 1
            ) r ON true
            LEFT JOIN task_instances ti ON ti.run_id = r.id AND ti.task_id = w.task_id
            """,
            [
                PGArray.literal(awaited.map(\.dagId)), PGArray.literal(awaited.map(\.taskId)),
                PGArray.literal(awaited.map { String($0.logicalDate) }),
            ], context: "read the states sensors wait for"
        ).rows
        var instances: [AwaitedInstance: [TaskState]] = [:]
        for row in rows {
            guard let position = row.int("n"), position >= 1, position <= awaited.count,
                let state = row["state"].flatMap(TaskState.init(rawValue:))
            else { continue }
            instances[awaited[position - 1], default: []].append(state)
        }
        return instances.mapValues { $0.count == 1 ? $0[0] : TaskState.mapped($0) }
    }

    /// One check the scheduler made of a sensor.
    public struct SensorCheckResult: Sendable, Hashable {
        public var taskInstanceId: Int64
        /// `success`, `failed`, `skipped`, or `up_for_reschedule` (not yet).
        public var state: TaskState
        /// For `up_for_reschedule`: seconds until the next check.
        public var nextCheckSeconds: Double?
        /// What the check found, in words (shown while the sensor waits).
        public var status: String

        public init(taskInstanceId: Int64, state: TaskState, nextCheckSeconds: Double?, status: String) {
            self.taskInstanceId = taskInstanceId
            self.state = state
            self.nextCheckSeconds = nextCheckSeconds
            self.status = status
        }
    }

    /// A sensor the scheduler checks itself, as its checks read it.
    public struct SensedInstance: Sendable, Hashable {
        public var runId: Int64
        public var taskId: String
        /// How long ago its first check was made, by PostgreSQL's clock; nil before it.
        public var sensingForSeconds: Double?
        public var pokes: Int
        /// Its run's logical date (Unix seconds).
        public var logicalDate: Double
    }

    /// The sensors among `ids` still waiting to be checked (`none`, `scheduled` or `up_for_reschedule`).
    public func sensedInstances(_ ids: [Int64]) async throws -> [Int64: SensedInstance] {
        guard !ids.isEmpty else { return [:] }
        var found: [Int64: SensedInstance] = [:]
        for row in try await pool.query(
            """
            SELECT ti.id, ti.run_id, ti.task_id, extract(epoch FROM clock_timestamp() - ti.sensing_since) AS sensing_for,
                   ti.sensor_pokes,
                   extract(epoch FROM r.logical_date) AS logical_date
            FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id
            WHERE ti.id = ANY($1::bigint[])
              AND \(TaskInstanceMachine.sqlSourcesGuard(of: .sense(.success), column: "ti.state"))
            """, [PGArray.literal(ids)], context: "read sensors to check"
        ).rows {
            guard let id = row.int64("id"), let runId = row.int64("run_id"), let taskId = row["task_id"] else {
                continue
            }
            found[id] = SensedInstance(
                runId: runId, taskId: taskId, sensingForSeconds: row.double("sensing_for"),
                pokes: row.int("sensor_pokes") ?? 0, logicalDate: row.double("logical_date") ?? 0)
        }
        return found
    }

    /// Records the scheduler's checks of sensors (the first check makes try 1). A task instance
    /// that moved on meanwhile (cleared, marked, its run ended) is left alone.
    /// - Returns: the sensors that finished (success, failed or skipped), with their runs.
    public func recordSensorChecks(_ results: [SensorCheckResult]) async throws -> [(
        runId: Int64, taskId: String, state: TaskState
    )] {
        guard !results.isEmpty else { return [] }
        return try await pool.query(
            """
            UPDATE task_instances ti SET state = c.state, try_number = greatest(ti.try_number, 1),
                scheduled_at = coalesce(ti.scheduled_at, clock_timestamp()),
                started_at = coalesce(ti.started_at, clock_timestamp()),
                sensing_since = coalesce(ti.sensing_since, clock_timestamp()), sensor_pokes = ti.sensor_pokes + 1,
                sensor_status = c.status,
                next_retry_at = clock_timestamp() + c.next_check * interval '1 second',
                ended_at = CASE WHEN c.state = 'up_for_reschedule' THEN NULL ELSE clock_timestamp() END
            FROM unnest($1::bigint[], $2::text[], $3::float8[], $4::text[]) AS c(id, state, next_check, status)
            WHERE ti.id = c.id AND ti.state IN \(TaskInstanceMachine.sqlSources(of: .sense(.success)))
            RETURNING ti.run_id, ti.task_id, ti.state
            """,
            [
                PGArray.literal(results.map(\.taskInstanceId)), PGArray.literal(results.map(\.state.rawValue)),
                PGArray.literal(results.map { $0.nextCheckSeconds.map { String($0) } }),
                PGArray.literal(results.map(\.status)),
            ], context: "record sensor checks"
        ).rows.compactMap { row in
            guard let runId = row.int64("run_id"), let taskId = row["task_id"],
                let state = row["state"].flatMap(TaskState.init(rawValue:)), state.isFinished
            else { return nil }
            return (runId, taskId, state)
        }
    }
}

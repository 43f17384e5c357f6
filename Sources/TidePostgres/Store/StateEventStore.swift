import TideCore

/// The feed of run and task-instance state changes (table `state_events`, written by triggers).
public struct StateEventStore: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// One state change. `id` orders them and is what a client resumes from.
    public struct Event: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            case dagRun = "dag_run"
            case taskInstance = "task_instance"
        }

        public var id: Int64
        /// Unix seconds.
        public var at: Double
        public var kind: Kind
        public var dagId: String
        /// Tide's number of the run.
        public var runId: Int64
        /// The run's Airflow-style id, when the run still exists.
        public var runName: String?
        public var taskId: String?
        public var state: String
        public var tryNumber: Int?
    }

    /// Up to `limit` events after `id`, oldest first.
    public func after(_ id: Int64, limit: Int = 1000) async throws -> [Event] {
        try await pool.query(
            """
            SELECT e.id, extract(epoch FROM e.at) AS at, e.kind, e.dag_id, e.run_id, r.run_id AS run_name, e.task_id,
                   e.state, e.try_number
            FROM state_events e LEFT JOIN dag_runs r ON r.id = e.run_id
            WHERE e.id > $1 ORDER BY e.id LIMIT $2
            """, [String(id), String(limit)], context: "read state events"
        ).rows.compactMap { row in
            guard let id = row.int64("id"), let kind = row["kind"].flatMap(Event.Kind.init(rawValue:)),
                let dagId = row["dag_id"], let runId = row.int64("run_id"), let state = row["state"]
            else { return nil }
            return Event(
                id: id, at: row.double("at") ?? 0, kind: kind, dagId: dagId, runId: runId, runName: row["run_name"],
                taskId: row["task_id"], state: state, tryNumber: row.int("try_number"))
        }
    }

    /// The newest event id (0 when there is none), and the oldest still kept.
    public func bounds() async throws -> (oldest: Int64, newest: Int64) {
        let row = try await pool.query(
            "SELECT coalesce(min(id), 0) AS oldest, coalesce(max(id), 0) AS newest FROM state_events",
            context: "state event bounds"
        ).rows.first
        return (row?.int64("oldest") ?? 0, row?.int64("newest") ?? 0)
    }

    /// Deletes events older than `seconds`.
    public func prune(olderThanSeconds seconds: Double) async throws {
        try await pool.query(
            "DELETE FROM state_events WHERE at < clock_timestamp() - make_interval(secs => $1::double precision)",
            [String(seconds)], context: "prune state events")
    }
}

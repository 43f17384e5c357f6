import TideCore

/// Worker processes and their heartbeats.
public struct WorkerStore: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Records a starting worker.
    public func register(id: String, hostname: String, pid: Int, queues: [String], slots: Int) async throws {
        try await pool.query(
            """
            INSERT INTO workers (id, hostname, pid, queues, slots) VALUES ($1, $2, $3, $4::text[], $5)
            ON CONFLICT (id) DO UPDATE SET hostname = EXCLUDED.hostname, pid = EXCLUDED.pid, queues = EXCLUDED.queues,
                slots = EXCLUDED.slots, state = 'running', started_at = clock_timestamp(), heartbeat_at = clock_timestamp()
            """, [id, hostname, String(pid), PGArray.literal(queues), String(slots)], context: "register worker")
    }

    /// Refreshes the heartbeat with the number of tries running and the worker's state. A worker
    /// the scheduler declared dead (its heartbeat was lost, to a network partition say) is live
    /// again: its tries were already failed or handed on, and their late results are fenced out.
    /// - Parameter clock: the worker's own clock (Unix seconds) as it sends the heartbeat; how far
    ///   it is from PostgreSQL's is kept for `tide doctor`.
    /// - Returns: whether the worker had been declared dead.
    @discardableResult
    public func heartbeat(id: String, running: Int, state: String, clock: Double? = nil) async throws -> Bool {
        try await pool.query(
            """
            UPDATE workers SET heartbeat_at = clock_timestamp(), running = $2, state = $3,
                clock_skew_seconds = $4::double precision - extract(epoch FROM clock_timestamp())
            FROM (SELECT state FROM workers WHERE id = $1) AS previous
            WHERE workers.id = $1
            RETURNING previous.state = 'dead' AS was_dead
            """, [id, String(running), state, clock.map { String($0) }], context: "worker heartbeat"
        ).rows.first?.bool("was_dead") ?? false
    }

    /// Marks a worker stopped (a clean exit).
    public func markStopped(id: String) async throws {
        try await pool.query(
            "UPDATE workers SET state = 'stopped', running = 0, heartbeat_at = clock_timestamp() WHERE id = $1", [id],
            context: "stop worker")
    }

    /// Forgets workers that stopped or died more than `seconds` ago (every worker process has a
    /// row of its own, so restarts would otherwise pile up in the worker list).
    public func pruneGone(olderThanSeconds seconds: Double) async throws {
        try await pool.query(
            """
            DELETE FROM workers
            WHERE state IN ('stopped', 'dead') AND heartbeat_at < clock_timestamp() - make_interval(secs => $1::double precision)
              AND NOT EXISTS (SELECT 1 FROM task_instances ti WHERE ti.worker_id = workers.id AND ti.state = 'running')
            """, [String(seconds)], context: "prune gone workers")
    }

    /// Whether a worker on `hostname` heartbeat within the last `seconds` (a container's liveness check).
    public func hasLiveWorker(hostname: String, withinSeconds seconds: Double) async throws -> Bool {
        try await !pool.query(
            """
            SELECT 1 FROM workers WHERE hostname = $1 AND state IN ('running', 'draining')
                AND heartbeat_at > clock_timestamp() - make_interval(secs => $2::double precision)
            """, [hostname, String(seconds)], context: "check worker liveness"
        ).rows.isEmpty
    }

    /// A worker as listed.
    public struct WorkerRecord: Sendable, Hashable, Codable {
        public var id: String
        public var hostname: String
        public var state: String
        public var slots: Int
        public var running: Int
        /// Seconds since the last heartbeat.
        public var heartbeatAge: Double
        public var pid: Int = 0
        public var queues: [String] = []
        /// Unix seconds.
        public var startedAt: Double = 0
        public var heartbeatAt: Double = 0
        /// The worker's clock minus PostgreSQL's at its last heartbeat; nil before the first.
        public var clockSkewSeconds: Double?

        /// Whether it counts as live: running or draining, with a heartbeat within `timeoutSeconds`.
        public func isLive(timeoutSeconds: Double) -> Bool {
            (state == "running" || state == "draining") && heartbeatAge < timeoutSeconds
        }
    }

    /// Every worker, most recently started first.
    public func list() async throws -> [WorkerRecord] {
        try await pool.query(
            """
            SELECT id, hostname, state, slots, running, extract(epoch FROM clock_timestamp() - heartbeat_at) AS age,
                   pid, array_to_json(queues)::text AS queues, extract(epoch FROM started_at) AS started_at,
                   extract(epoch FROM heartbeat_at) AS heartbeat_at, clock_skew_seconds
            FROM workers ORDER BY started_at DESC
            """, context: "list workers"
        ).rows.compactMap { row in
            guard let id = row["id"] else { return nil }
            return WorkerRecord(
                id: id, hostname: row["hostname"] ?? "", state: row["state"] ?? "", slots: row.int("slots") ?? 0,
                running: row.int("running") ?? 0, heartbeatAge: row.double("age") ?? 0, pid: row.int("pid") ?? 0,
                queues: row["queues"].flatMap { try? JSONValue.parse($0).array?.compactMap(\.string) } ?? [],
                startedAt: row.double("started_at") ?? 0, heartbeatAt: row.double("heartbeat_at") ?? 0,
                clockSkewSeconds: row.double("clock_skew_seconds"))
        }
    }
}

import TideCore

/// The counts scaling hints are computed from, read in one pipelined round trip.
public struct ScalingStore: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Tries queued and running in one queue.
    public struct QueueLoad: Sendable, Hashable {
        public var queued = 0
        public var running = 0

        public init(queued: Int = 0, running: Int = 0) {
            self.queued = queued
            self.running = running
        }
    }

    /// Live (heartbeating, not draining) workers that pop one queue.
    public struct QueueWorkers: Sendable, Hashable {
        public var workers = 0
        /// Their summed `slots`.
        public var slots = 0

        public init(workers: Int = 0, slots: Int = 0) {
            self.workers = workers
            self.slots = slots
        }
    }

    /// Unfinished pod tasks of one task of one DAG version on one node pool.
    public struct PodTasks: Sendable, Hashable {
        public var dagId: String
        public var dagHash: String
        public var taskId: String
        public var nodePool: String
        /// Whether the try is running (else it is ready or queued: its pod is still to come).
        public var running: Bool
        public var count: Int
    }

    /// Everything one hint computation reads.
    public struct Snapshot: Sendable {
        public var load: [String: QueueLoad] = [:]
        public var workers: [String: QueueWorkers] = [:]
        public var podTasks: [PodTasks] = []
        /// Seconds from queued to started of the tries that started after the given watermark.
        public var queueToStart: [Double] = []
        /// The latest start read (the next watermark), as microseconds since 1970.
        public var latestStart: Int64?
        /// Pod tries running per Kubernetes node.
        public var podsPerNode: [String: Int] = [:]

        public init() {}
    }

    /// - Parameters:
    ///   - workerTimeoutSeconds: a worker whose heartbeat is older is not counted.
    ///   - startedAfter: report the queue-to-start latency of tries started after this (µs since 1970).
    public func snapshot(workerTimeoutSeconds: Double, startedAfter: Int64?) async throws -> Snapshot {
        let results = try await pool.withConnection { connection in
            try await connection.pipeline([
                .init(
                    """
                    SELECT queue, state, count(*) AS n FROM task_instances
                    WHERE state IN \(TaskState.holdingSlotSQLList) GROUP BY queue, state
                    """, context: "count tries per queue"),
                .init(
                    """
                    SELECT queue, count(*) AS workers, sum(slots) AS slots FROM workers, unnest(queues) AS queue
                    WHERE state = 'running' AND heartbeat_at > clock_timestamp() - make_interval(secs => $1::double precision)
                    GROUP BY queue
                    """, [String(workerTimeoutSeconds)], context: "count live workers per queue"),
                .init(
                    """
                    SELECT ti.dag_id, r.dag_hash, ti.task_id, ti.node_pool, ti.state = 'running' AS running, count(*) AS n
                    FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id
                    WHERE ti.node_pool IS NOT NULL AND ti.state IN ('scheduled', 'queued', 'running')
                    GROUP BY ti.dag_id, r.dag_hash, ti.task_id, ti.node_pool, ti.state = 'running'
                    """, context: "count pod tasks per node pool"),
                startedAfter.map { after in
                    .init(
                        """
                        SELECT extract(epoch FROM started_at - queued_at) AS latency,
                               (extract(epoch FROM started_at) * 1000000)::bigint AS started
                        FROM task_instances
                        WHERE started_at > to_timestamp($1::double precision / 1000000) AND queued_at IS NOT NULL
                        ORDER BY started_at LIMIT 10000
                        """, [String(after)], context: "read queue-to-start latencies")
                }
                    // The first computation only sets the watermark: earlier starts are not this process's to observe.
                    ?? .init(
                        "SELECT (extract(epoch FROM coalesce(max(started_at), clock_timestamp())) * 1000000)::bigint AS started FROM task_instances",
                        context: "read the latest start"),
                .init(
                    """
                    SELECT node_name, count(*) AS n FROM task_instances
                    WHERE state = 'running' AND node_name IS NOT NULL GROUP BY node_name
                    """, context: "count running pod tries per node"),
            ])
        }
        var snapshot = Snapshot()
        for row in results[0].rows {
            guard let queue = row["queue"], let count = row.int("n") else { continue }
            if row["state"] == "running" {
                snapshot.load[queue, default: QueueLoad()].running = count
            } else {
                snapshot.load[queue, default: QueueLoad()].queued = count
            }
        }
        for row in results[1].rows {
            guard let queue = row["queue"] else { continue }
            snapshot.workers[queue] = QueueWorkers(workers: row.int("workers") ?? 0, slots: row.int("slots") ?? 0)
        }
        snapshot.podTasks = results[2].rows.compactMap { row in
            guard let dagId = row["dag_id"], let hash = row["dag_hash"], let taskId = row["task_id"],
                let nodePool = row["node_pool"]
            else { return nil }
            return PodTasks(
                dagId: dagId, dagHash: hash, taskId: taskId, nodePool: nodePool, running: row.bool("running") ?? false,
                count: row.int("n") ?? 0)
        }
        snapshot.queueToStart = results[3].rows.compactMap { $0.double("latency") }
        snapshot.latestStart = results[3].rows.last?.int64("started") ?? startedAfter
        for row in results[4].rows {
            guard let node = row["node_name"], let count = row.int("n") else { continue }
            snapshot.podsPerNode[node] = count
        }
        return snapshot
    }
}

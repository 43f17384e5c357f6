import TideCore

extension TaskInstanceStore {
    /// What the limits a ready task instance must pass are using now: the counts the scheduler's
    /// dispatch compares with parallelism, `max_active_tasks`, `max_active_tis_per_dag`, the pool
    /// and the node pool, and how many ready tasks it would dispatch first.
    public struct LimitUsage: Sendable, Hashable {
        /// Task instances queued or running in the whole installation.
        public var total: Int
        /// … of the same DAG.
        public var dag: Int
        /// … of the same task (across runs).
        public var task: Int
        /// Slots of its pool taken, and the pool's size (nil when the pool does not exist).
        public var poolUsed: Int
        public var poolSlots: Int?
        /// Pod tasks queued or running on its node pool.
        public var nodePool: Int
        /// Ready (scheduled) task instances that come before it in dispatch order.
        public var readyAhead: Int
    }

    /// The ``LimitUsage`` that applies to `ti`.
    public func limitUsage(of ti: TaskInstanceRecord) async throws -> LimitUsage {
        let rows = try await pool.query(
            """
            SELECT
              (SELECT count(*) FROM task_instances WHERE state IN \(TaskState.holdingSlotSQLList)) AS total,
              (SELECT count(*) FROM task_instances WHERE state IN \(TaskState.holdingSlotSQLList) AND dag_id = $1) AS dag,
              (SELECT count(*) FROM task_instances WHERE state IN \(TaskState.holdingSlotSQLList) AND dag_id = $1
                 AND task_id = $2) AS task,
              (SELECT coalesce(sum(pool_slots), 0) FROM task_instances WHERE state IN \(TaskState.holdingSlotSQLList)
                 AND pool = $3) AS pool_used,
              (SELECT slots FROM pools WHERE name = $3) AS pool_slots,
              (SELECT count(*) FROM task_instances WHERE state IN \(TaskState.holdingSlotSQLList) AND node_pool = $4) AS node_pool,
              (SELECT count(*) FROM task_instances WHERE state = 'scheduled' AND id <> $5
                 AND (priority_weight > $6 OR (priority_weight = $6
                      AND (scheduled_at, id) < (coalesce(to_timestamp($7::double precision), clock_timestamp()), $5))))
                 AS ahead
            """,
            [
                ti.dagId, ti.taskId, ti.pool, ti.nodePool ?? "", String(ti.id), String(ti.priorityWeight),
                ti.scheduledAt.map { String($0) },
            ], context: "limit usage"
        ).rows
        guard let row = rows.first else { throw PGError(code: .corruptRow, message: "no limit usage row") }
        return LimitUsage(
            total: row.int("total") ?? 0, dag: row.int("dag") ?? 0, task: row.int("task") ?? 0,
            poolUsed: row.int("pool_used") ?? 0, poolSlots: row.int("pool_slots"), nodePool: row.int("node_pool") ?? 0,
            readyAhead: row.int("ahead") ?? 0)
    }

    /// Why a running pod try's pod is not running yet, as its worker last saw it.
    public func podWaitingReason(_ id: Int64) async throws -> String? {
        try await pool.query(
            "SELECT pod_waiting_reason FROM task_instances WHERE id = $1", [String(id)], context: "pod waiting reason"
        ).rows.first?["pod_waiting_reason"]
    }

    /// The tries each worker is running now, by worker id.
    public func runningByWorker() async throws -> [String: [TaskInstanceRecord]] {
        let rows = try await pool.query(
            "SELECT \(TaskInstanceRecord.columns) FROM task_instances ti WHERE ti.state = 'running' ORDER BY ti.started_at",
            context: "running tries")
        return Dictionary(grouping: try rows.rows.map(TaskInstanceRecord.init(row:)), by: { $0.workerId ?? "" })
    }

    /// Per queue: task instances queued and running, and when the oldest queued one was queued.
    public struct QueueLoad: Sendable, Hashable {
        public var queue: String
        public var queued: Int
        public var running: Int
        /// Unix seconds.
        public var oldestQueuedAt: Double?
    }

    /// ``QueueLoad`` of every queue with queued or running task instances.
    public func queueLoads() async throws -> [QueueLoad] {
        try await pool.query(
            """
            SELECT queue, count(*) FILTER (WHERE state = 'queued') AS queued,
                   count(*) FILTER (WHERE state = 'running') AS running,
                   extract(epoch FROM min(queued_at) FILTER (WHERE state = 'queued')) AS oldest
            FROM task_instances WHERE state IN \(TaskState.holdingSlotSQLList) GROUP BY queue ORDER BY queue
            """, context: "queue loads"
        ).rows.compactMap { row in
            guard let queue = row["queue"] else { return nil }
            return QueueLoad(
                queue: queue, queued: row.int("queued") ?? 0, running: row.int("running") ?? 0,
                oldestQueuedAt: row.double("oldest"))
        }
    }
}

import TideCore

/// A task instance as the store lists it. Times are Unix seconds.
public struct TaskInstanceRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var runId: Int64
    public var dagId: String
    public var taskId: String
    public var state: TaskState
    public var tryNumber: Int
    public var maxTries: Int
    public var queue: String
    public var priorityWeight: Int
    public var queuedAt: Double?
    public var startedAt: Double?
    public var endedAt: Double?
    public var nextRetryAt: Double?
    public var workerId: String?
    public var hostname: String?
    public var pid: Int?
    public var exitCode: Int?
    public var pool: String
    public var poolSlots: Int
    /// When the task became ready (its dependencies were met).
    public var scheduledAt: Double?
    /// The pod (`namespace/name`) of a pod try.
    public var externalId: String?
    public var nodePool: String?
    /// The Kubernetes node the current try's pod was scheduled on.
    public var nodeName: String?
    /// An operator's note on the task instance.
    public var note: String?
    /// A sensor's wait: since when (its first check), and what its latest check found (for the
    /// sensors the scheduler checks itself).
    public var sensingSince: Double?
    public var sensorStatus: String?
    /// A mapped instance's index (-1 for a task that is not mapped, or not yet expanded), and its
    /// arguments as JSON text (name → item).
    public var mapIndex = -1
    public var mapItem: String?

    private enum CodingKeys: String, CodingKey {
        case id, runId = "run_id", dagId = "dag_id", taskId = "task_id", state, tryNumber = "try_number"
        case maxTries = "max_tries", queue, priorityWeight = "priority_weight", queuedAt = "queued_at"
        case startedAt = "started_at", endedAt = "ended_at", nextRetryAt = "next_retry_at", workerId = "worker_id"
        case hostname, pid, exitCode = "exit_code", pool, poolSlots = "pool_slots", scheduledAt = "scheduled_at"
        case externalId = "external_id", nodePool = "node_pool", nodeName = "node_name", note
        case sensingSince = "sensing_since", sensorStatus = "sensor_status", mapIndex = "map_index"
        case mapItem = "map_item"
    }

    static let columns = """
        ti.id, ti.run_id, ti.dag_id, ti.task_id, ti.state, ti.try_number, ti.max_tries, ti.queue, ti.priority_weight,
        extract(epoch FROM ti.queued_at) AS queued_at, extract(epoch FROM ti.started_at) AS started_at,
        extract(epoch FROM ti.ended_at) AS ended_at, extract(epoch FROM ti.next_retry_at) AS next_retry_at,
        ti.worker_id, ti.hostname, ti.pid, ti.exit_code, ti.pool, ti.pool_slots,
        extract(epoch FROM ti.scheduled_at) AS scheduled_at, ti.external_id, ti.node_pool, ti.node_name, ti.note,
        extract(epoch FROM ti.sensing_since) AS sensing_since, ti.sensor_status, ti.map_index,
        ti.map_item::text AS map_item
        """

    init(row: PGRow) throws {
        guard let id = row.int64("id"), let runId = row.int64("run_id"), let dagId = row["dag_id"],
            let taskId = row["task_id"], let state = row["state"].flatMap(TaskState.init(rawValue:)),
            let tryNumber = row.int("try_number"), let maxTries = row.int("max_tries"), let queue = row["queue"]
        else { throw PGError(code: .corruptRow, message: "unreadable task_instances row") }
        self.id = id
        self.runId = runId
        self.dagId = dagId
        self.taskId = taskId
        self.state = state
        self.tryNumber = tryNumber
        self.maxTries = maxTries
        self.queue = queue
        self.priorityWeight = row.int("priority_weight") ?? 1
        self.queuedAt = row.double("queued_at")
        self.startedAt = row.double("started_at")
        self.endedAt = row.double("ended_at")
        self.nextRetryAt = row.double("next_retry_at")
        self.workerId = row["worker_id"]
        self.hostname = row["hostname"]
        self.pid = row.int("pid")
        self.exitCode = row.int("exit_code")
        self.pool = row["pool"] ?? "default_pool"
        self.poolSlots = row.int("pool_slots") ?? 1
        self.scheduledAt = row.double("scheduled_at")
        self.externalId = row["external_id"]
        self.nodePool = row["node_pool"]
        self.nodeName = row["node_name"]
        self.note = row["note"]
        self.sensingSince = row.double("sensing_since")
        self.sensorStatus = row["sensor_status"]
        self.mapIndex = row.int("map_index") ?? -1
        self.mapItem = row["map_item"]
    }
}

extension TaskInstanceRecord {
    /// The task id, with the map index of a mapped instance (`load[2]`), as Airflow's CLI and UI show it.
    public var label: String { mapIndex < 0 ? taskId : "\(taskId)[\(mapIndex)]" }
}

/// The output and outcome of one try.
public struct TaskLogRecord: Sendable, Hashable, Codable {
    public var taskInstanceId: Int64
    public var tryNumber: Int
    public var state: String
    public var exitCode: Int?
    public var workerId: String?
    public var content: String
    public var truncated: Bool
    public var totalBytes: Int

    private enum CodingKeys: String, CodingKey {
        case taskInstanceId = "task_instance_id", tryNumber = "try_number", state, exitCode = "exit_code"
        case workerId = "worker_id", content, truncated, totalBytes = "total_bytes"
    }
}

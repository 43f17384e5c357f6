/// One try of a task in a run's timeline (a Gantt bar), times in Unix seconds. A task that has not
/// started a try yet has `tryNumber` 0.
public struct TimelineEntry: Sendable, Hashable {
    public var taskId: String
    public var tryNumber: Int
    public var state: String
    /// When its dependencies were met (it became ready).
    public var scheduledAt: Double?
    /// When it was pushed to its queue.
    public var queuedAt: Double?
    /// When a worker claimed it (for a local try, also when its process started).
    public var claimedAt: Double?
    public var endedAt: Double?
    public var queue: String
    public var pool: String
    public var workerId: String?
    public var hostname: String?
    /// For a pod try: the pod's `namespace/name` (current try only), and what its worker saw.
    public var pod: String?
    public var podCreatedAt: Double?
    public var podScheduledAt: Double?
    public var containerStartedAt: Double?
    public var nodeName: String?
    /// Why the pod is not running yet (current try only).
    public var podWaitingReason: String?
    /// The limit that held the try back while it was ready (`pool_full`, `max_active_tasks`, …), if one did.
    public var heldReason: String? = nil
    /// The map index of a mapped task's instance (-1: the task is not mapped).
    public var mapIndex = -1

    public init(
        taskId: String, tryNumber: Int, state: String, scheduledAt: Double?, queuedAt: Double?, claimedAt: Double?,
        endedAt: Double?, queue: String, pool: String, workerId: String?, hostname: String?, pod: String?,
        podCreatedAt: Double?, podScheduledAt: Double?, containerStartedAt: Double?, nodeName: String?,
        podWaitingReason: String?, heldReason: String? = nil
    ) {
        self.taskId = taskId
        self.tryNumber = tryNumber
        self.state = state
        self.scheduledAt = scheduledAt
        self.queuedAt = queuedAt
        self.claimedAt = claimedAt
        self.endedAt = endedAt
        self.queue = queue
        self.pool = pool
        self.workerId = workerId
        self.hostname = hostname
        self.pod = pod
        self.podCreatedAt = podCreatedAt
        self.podScheduledAt = podScheduledAt
        self.containerStartedAt = containerStartedAt
        self.nodeName = nodeName
        self.podWaitingReason = podWaitingReason
        self.heldReason = heldReason
    }
}

extension TimelineEntry {
    /// The task id, with the map index of a mapped instance (`load[2]`).
    public var label: String { mapIndex < 0 ? taskId : "\(taskId)[\(mapIndex)]" }
}

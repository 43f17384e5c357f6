/// One task of a DAG, with `default_args` already applied.
public struct TaskSpec: Sendable, Hashable, Codable {
    /// Unique within its DAG; letters, digits, `_`, `-` and `.`.
    public var taskId: String
    /// Tasks that must finish (by the trigger rule) before this one runs.
    public var upstream: [String]
    /// How many times a failed try is retried (so at most `retries + 1` tries).
    public var retries: Int
    /// Seconds to wait after a failed try before the next one.
    public var retryDelaySeconds: Double
    /// Seconds a try may run before its whole process group is killed; nil means no limit.
    public var executionTimeoutSeconds: Double?
    /// Extra environment variables for the task's process.
    public var env: [String: String]
    /// The Redis queue the task is sent to; workers choose queues with `--queues`.
    public var queue: String
    /// Higher runs first among ready tasks of the same queue.
    public var priorityWeight: Int
    /// What the task runs.
    public var kind: TaskKind

    public init(
        taskId: String, upstream: [String] = [], retries: Int = 0, retryDelaySeconds: Double = 300,
        executionTimeoutSeconds: Double? = nil, env: [String: String] = [:], queue: String = "default",
        priorityWeight: Int = 1, kind: TaskKind
    ) {
        self.taskId = taskId
        self.upstream = upstream
        self.retries = retries
        self.retryDelaySeconds = retryDelaySeconds
        self.executionTimeoutSeconds = executionTimeoutSeconds
        self.env = env
        self.queue = queue
        self.priorityWeight = priorityWeight
        self.kind = kind
    }

    private enum CodingKeys: String, CodingKey {
        case taskId = "task_id", upstream, retries, retryDelaySeconds = "retry_delay_seconds"
        case executionTimeoutSeconds = "execution_timeout_seconds", env, queue
        case priorityWeight = "priority_weight", kind
    }
}

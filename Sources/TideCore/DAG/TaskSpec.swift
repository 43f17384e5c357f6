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
    /// When the task may run given its upstream tasks' states.
    public var triggerRule: TriggerRule
    /// Wait for this task's instance in the previous run to have succeeded or been skipped.
    public var dependsOnPast: Bool
    /// Double the retry delay with each try (with deterministic jitter); see ``RetryPolicy``.
    public var retryExponentialBackoff: Bool
    /// Upper bound, in seconds, of a retry delay with back-off.
    public var maxRetryDelaySeconds: Double?
    /// How `priority_weight` becomes the effective priority; nil: the installation's
    /// `default_weight_rule` (itself `downstream` unless configured), applied when a run starts.
    public var weightRule: WeightRule?
    /// The pool whose slots the task takes while queued or running.
    public var pool: String
    /// Slots of the pool one instance takes.
    public var poolSlots: Int
    /// Most instances of this task queued or running across all runs of the DAG; nil means no limit.
    public var maxActiveTisPerDag: Int?
    /// Webhooks called when a try succeeds, fails for good, or fails with a retry left.
    public var callbacks: Callbacks
    /// Where a `bash` / `command` task runs; nil (as in definitions stored before it existed) is local.
    public var executor: TaskExecutor?
    /// Secrets for the task's process: its variable name → the worker's variable holding the value.
    /// The DAG file names where a secret is, never the secret; the value is masked in the log.
    public var secretEnv: [String: String] = [:]
    /// Push the last line of the output as the task's return value (Airflow's `do_xcom_push`,
    /// as BashOperator does); local `bash` and `command` tasks.
    public var doXcomPush = false
    /// A branch task (Airflow's `@task.branch`): its return value names the task(s) to follow, and
    /// the other tasks directly downstream are skipped (see ``BranchChoice``).
    public var branch = false
    /// A branch task's possible choices, when the DAG file lists them (`branch: [a, b]`): each is
    /// directly downstream of it (checked when the file is read), and it may choose no other.
    public var branchChoices: [String] = []
    /// Datasets (URIs) the task updates when it succeeds (Airflow's `outlets`): each success
    /// records a dataset event, which can trigger DAGs scheduled on those datasets.
    public var outlets: [String] = []
    /// Dynamic task mapping (Airflow's `expand`): one mapped instance per item, see ``TaskExpansion``.
    public var expand: TaskExpansion?

    /// Whether the task is mapped: it runs as instances 0…N-1, N known only when it is ready.
    public var isMapped: Bool { expand != nil }

    public init(
        taskId: String, upstream: [String] = [], retries: Int = 0, retryDelaySeconds: Double = 300,
        executionTimeoutSeconds: Double? = nil, env: [String: String] = [:], queue: String = "default",
        priorityWeight: Int = 1, kind: TaskKind, triggerRule: TriggerRule = .allSuccess, dependsOnPast: Bool = false,
        retryExponentialBackoff: Bool = false, maxRetryDelaySeconds: Double? = nil,
        weightRule: WeightRule? = nil,
        pool: String = "default_pool", poolSlots: Int = 1, maxActiveTisPerDag: Int? = nil,
        callbacks: Callbacks = Callbacks(), executor: TaskExecutor? = nil
    ) {
        self.executor = executor
        self.taskId = taskId
        self.upstream = upstream
        self.retries = retries
        self.retryDelaySeconds = retryDelaySeconds
        self.executionTimeoutSeconds = executionTimeoutSeconds
        self.env = env
        self.queue = queue
        self.priorityWeight = priorityWeight
        self.kind = kind
        self.triggerRule = triggerRule
        self.dependsOnPast = dependsOnPast
        self.retryExponentialBackoff = retryExponentialBackoff
        self.maxRetryDelaySeconds = maxRetryDelaySeconds
        self.weightRule = weightRule
        self.pool = pool
        self.poolSlots = poolSlots
        self.maxActiveTisPerDag = maxActiveTisPerDag
        self.callbacks = callbacks
    }

    // Definitions stored before a field existed decode with its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        taskId = try container.decode(String.self, forKey: .taskId)
        upstream = try container.decodeIfPresent([String].self, forKey: .upstream) ?? []
        retries = try container.decodeIfPresent(Int.self, forKey: .retries) ?? 0
        retryDelaySeconds = try container.decodeIfPresent(Double.self, forKey: .retryDelaySeconds) ?? 300
        executionTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .executionTimeoutSeconds)
        env = try container.decodeIfPresent([String: String].self, forKey: .env) ?? [:]
        queue = try container.decodeIfPresent(String.self, forKey: .queue) ?? "default"
        priorityWeight = try container.decodeIfPresent(Int.self, forKey: .priorityWeight) ?? 1
        kind = try container.decode(TaskKind.self, forKey: .kind)
        triggerRule = try container.decodeIfPresent(TriggerRule.self, forKey: .triggerRule) ?? .allSuccess
        dependsOnPast = try container.decodeIfPresent(Bool.self, forKey: .dependsOnPast) ?? false
        retryExponentialBackoff = try container.decodeIfPresent(Bool.self, forKey: .retryExponentialBackoff) ?? false
        maxRetryDelaySeconds = try container.decodeIfPresent(Double.self, forKey: .maxRetryDelaySeconds)
        weightRule = try container.decodeIfPresent(WeightRule.self, forKey: .weightRule)
        pool = try container.decodeIfPresent(String.self, forKey: .pool) ?? "default_pool"
        poolSlots = try container.decodeIfPresent(Int.self, forKey: .poolSlots) ?? 1
        maxActiveTisPerDag = try container.decodeIfPresent(Int.self, forKey: .maxActiveTisPerDag)
        callbacks = try container.decodeIfPresent(Callbacks.self, forKey: .callbacks) ?? Callbacks()
        executor = try container.decodeIfPresent(TaskExecutor.self, forKey: .executor)
        secretEnv = try container.decodeIfPresent([String: String].self, forKey: .secretEnv) ?? [:]
        doXcomPush = try container.decodeIfPresent(Bool.self, forKey: .doXcomPush) ?? false
        branch = try container.decodeIfPresent(Bool.self, forKey: .branch) ?? false
        branchChoices = try container.decodeIfPresent([String].self, forKey: .branchChoices) ?? []
        outlets = try container.decodeIfPresent([String].self, forKey: .outlets) ?? []
        expand = try container.decodeIfPresent(TaskExpansion.self, forKey: .expand)
    }

    /// Two forms. The canonical one (hashed to tell versions apart) writes every field that existed
    /// before `do_xcom_push` and the later ones only when set, so that an upgrade does not change the
    /// hash of every stored DAG version (a new version would be stored for each). The stored one
    /// (``DAG/storedJSON()``, with ``CodingUserInfoKey/omitsDefaults``) leaves out the fields at their
    /// defaults that readers before stop 32 already defaulted; the fields those readers require
    /// (`upstream`, `retries`, `retry_delay_seconds`, `env`, `queue`, `priority_weight`) are always
    /// written, so that workers and API servers of the previous release, still running beside new
    /// schedulers during a rolling upgrade, read every version (this release's readers default
    /// them too, so a later one may leave them out).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let omitsDefaults = encoder.userInfo[.omitsDefaults] as? Bool == true
        func encode<Value: Encodable & Equatable>(_ value: Value, _ key: CodingKeys, unless defaultValue: Value)
            throws
        {
            if !omitsDefaults || value != defaultValue { try container.encode(value, forKey: key) }
        }
        try container.encode(taskId, forKey: .taskId)
        try container.encode(upstream, forKey: .upstream)
        try container.encode(retries, forKey: .retries)
        try container.encode(retryDelaySeconds, forKey: .retryDelaySeconds)
        try container.encodeIfPresent(executionTimeoutSeconds, forKey: .executionTimeoutSeconds)
        try container.encode(env, forKey: .env)
        try container.encode(queue, forKey: .queue)
        try container.encode(priorityWeight, forKey: .priorityWeight)
        try container.encode(kind, forKey: .kind)
        try encode(triggerRule, .triggerRule, unless: .allSuccess)
        try encode(dependsOnPast, .dependsOnPast, unless: false)
        try encode(retryExponentialBackoff, .retryExponentialBackoff, unless: false)
        try container.encodeIfPresent(maxRetryDelaySeconds, forKey: .maxRetryDelaySeconds)
        try container.encodeIfPresent(weightRule, forKey: .weightRule)
        try encode(pool, .pool, unless: "default_pool")
        try encode(poolSlots, .poolSlots, unless: 1)
        try container.encodeIfPresent(maxActiveTisPerDag, forKey: .maxActiveTisPerDag)
        try encode(callbacks, .callbacks, unless: Callbacks())
        try container.encodeIfPresent(executor, forKey: .executor)
        try encode(secretEnv, .secretEnv, unless: [:])
        try encode(doXcomPush, .doXcomPush, unless: false)
        if branch { try container.encode(branch, forKey: .branch) }
        if !branchChoices.isEmpty { try container.encode(branchChoices, forKey: .branchChoices) }
        if !outlets.isEmpty { try container.encode(outlets, forKey: .outlets) }
        try container.encodeIfPresent(expand, forKey: .expand)
    }

    private enum CodingKeys: String, CodingKey {
        case taskId = "task_id", upstream, retries, retryDelaySeconds = "retry_delay_seconds"
        case executionTimeoutSeconds = "execution_timeout_seconds", env, queue
        case priorityWeight = "priority_weight", kind, triggerRule = "trigger_rule", dependsOnPast = "depends_on_past"
        case retryExponentialBackoff = "retry_exponential_backoff", maxRetryDelaySeconds = "max_retry_delay_seconds"
        case weightRule = "weight_rule", pool, poolSlots = "pool_slots", maxActiveTisPerDag = "max_active_tis_per_dag"
        case callbacks, executor, secretEnv = "secret_env", doXcomPush = "do_xcom_push", branch, outlets, expand
        case branchChoices = "branch_choices"
    }
}

extension TaskSpec {
    /// The node pool the task's pod runs on (`kubernetes_pod`, or `executor: kubernetes`); nil for others.
    public var nodePool: String? {
        if case .kubernetesPod(let pod) = kind { return pod.nodePool }
        return executor?.kind == .kubernetes ? executor?.nodePool : nil
    }

    /// Whether the worker runs the task's own command in a pod (`executor: kubernetes`).
    public var runsInPod: Bool { executor?.kind == .kubernetes }
}

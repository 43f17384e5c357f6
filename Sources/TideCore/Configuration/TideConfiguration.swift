/// Everything Tide's processes are configured with, parsed once at startup and passed down.
///
/// Sources, later wins: built-in defaults, `tide.yaml`, `TIDE_*` environment variables. Every key
/// is listed in ``ConfigurationKey/all`` with its file key, variable, unit and default.
public struct TideConfiguration: Sendable, Hashable {
    /// PostgreSQL URL, `postgres://user:password@host:port/database`. Default `postgres://127.0.0.1:5432/tide`.
    public var databaseURL = "postgres://127.0.0.1:5432/tide"
    /// PostgreSQL schema holding Tide's tables. Default `public`.
    public var databaseSchema = "public"
    /// Redis URL, `redis://:password@host:port/db`. Default `redis://127.0.0.1:6379/0`.
    public var redisURL = "redis://127.0.0.1:6379/0"
    /// Prefix of every Redis key Tide uses, so several installations can share one Redis. Default `tide:`.
    public var redisKeyPrefix = "tide:"
    /// Folder scanned (recursively) for `*.yaml` / `*.yml` DAG files. Default `./dags`.
    public var dagsFolder = "./dags"
    /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`. Default `info`.
    public var logLevel = "info"
    /// IANA time zone for DAGs that name none. Default `UTC`.
    public var defaultTimeZone = "UTC"
    /// Node pools pod tasks can be pinned to (`node_pools` in tide.yaml, or `TIDE_NODE_POOLS` as JSON).
    public var nodePools: [NodePool] = []
    public var scheduler = SchedulerSettings()
    public var worker = WorkerSettings()
    public var kubernetes = KubernetesSettings()
    public var scaling = ScalingSettings()
    public var api = APISettings()
    /// Passwords and user names given apart from the URLs; already merged into them after loading.
    public var credentials = Credentials()

    public init() {}
}

/// Where and how `tide api` (and `tide standalone`) serve the REST API, `/metrics` and `/api/v1/scaling`.
public struct APISettings: Sendable, Hashable {
    /// Address to listen on. Default `127.0.0.1`; `0.0.0.0` in a container.
    public var host = "127.0.0.1"
    /// TCP port. Default 8080.
    public var port = 8080
    /// Users of the API and UI (`api.users`, or `TIDE_API_USERS` as JSON). Default none.
    public var users: [APIUser] = []
    /// A JSON or YAML file holding more users in the same form (a mounted secret; `tide standalone`
    /// writes its generated admin there). Default none.
    public var usersFile: String?
    /// Key that signs access tokens; API replicas must share it. Default: a random key per process.
    public var secretKey: String?
    /// Seconds an access token from `POST /auth/token` stays valid. Default 86400.
    public var tokenLifetimeSeconds = 86_400.0
    /// Most items one page of a list may ask for (`limit`). Default 1000.
    public var maxPageSize = 1000
    /// Largest request body accepted, in bytes. Default 1048576.
    public var maxBodyBytes = 1_048_576

    public init() {}
}

/// How workers reach the Kubernetes API for `kubernetes_pod` tasks.
public struct KubernetesSettings: Sendable, Hashable {
    /// Path of a kubeconfig file; nil uses the in-cluster service account when running in a pod.
    public var kubeconfig: String?
    /// The kubeconfig context to use; nil uses its `current-context`.
    public var context: String?
    /// true: use the pod's service account; false: never; nil: when `KUBERNETES_SERVICE_HOST` is set.
    public var inCluster: Bool?
    /// Where the service account's `token`, `ca.crt` and `namespace` are mounted.
    /// Default `/var/run/secrets/kubernetes.io/serviceaccount`.
    public var serviceAccountFolder = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// Namespace for pods whose task names none; nil uses the kubeconfig context's (or the pod's own).
    public var namespace: String?
    /// Image of the pods that run `executor: kubernetes` tasks (it must contain `tide`). Default `tide:latest`.
    public var workerImage = "tide:latest"
    /// Secret whose keys become those pods' environment (`TIDE_DATABASE_URL`, …); nil passes none.
    public var workerSecret: String?
    /// Seconds between a worker's sweeps of its namespace for pods whose try is over. Default 60.
    public var orphanSweepIntervalSeconds = 60.0
    /// Read the Secrets pods take values from (`get` on secrets) to mask them in task logs. Default true.
    public var maskSecretValues = true
    /// Settings every pod task and `executor: kubernetes` pod starts from (`kubernetes.pod_defaults`,
    /// or `TIDE_KUBERNETES_POD_DEFAULTS` as JSON). Default none.
    public var podDefaults = PodDefaults()
    /// Named connections pod tasks choose with `kubernetes_conn_id` (`kubernetes.connections`, or
    /// `TIDE_KUBERNETES_CONNECTIONS` as JSON). Default none.
    public var connections: [String: KubernetesConnectionSettings] = [:]

    /// The connections' names for checking `kubernetes_conn_id` in DAG files; nil when none are
    /// configured (a process without them, such as a scheduler, leaves the check to the workers).
    public var connectionNames: [String]? {
        connections.isEmpty ? nil : connections.keys.sorted()
    }

    public init() {}
}

/// The scheduler's timings.
public struct SchedulerSettings: Sendable, Hashable {
    /// Seconds between fallback passes when no event arrives. Default 2.
    public var pollIntervalSeconds = 2.0
    /// Seconds between scans of the DAG folder. Default 5.
    public var dagSyncIntervalSeconds = 5.0
    /// Seconds a task may stay `queued` with no copy in Redis before it is pushed again. Default 30.
    public var queuedTimeoutSeconds = 30.0
    /// Seconds without a heartbeat after which a worker is presumed dead. Default 30.
    public var workerTimeoutSeconds = 30.0
    /// Whether DAGs that do not say `catchup` create the runs of missed intervals. Default false.
    public var catchupByDefault = false
    /// The weight rule of tasks that name none (`default_weight_rule` in tide.yaml, as Airflow's
    /// `[core] default_task_weight_rule`). Default `downstream`.
    public var defaultWeightRule = WeightRule.downstream
    /// Most task instances queued or running in the whole installation. Default 32.
    public var parallelism = 32

    public init() {}
}

/// A worker's capacity and timings.
public struct WorkerSettings: Sendable, Hashable {
    /// Task tries one worker process runs at once. Default 8.
    public var concurrency = 8
    /// Queues the worker pops, in preference order. Default `default`.
    public var queues = ["default"]
    /// Seconds between heartbeats. Default 5.
    public var heartbeatIntervalSeconds = 5.0
    /// Seconds running tries get to finish after SIGTERM before they are killed and handed back. Default 30.
    public var shutdownGraceSeconds = 30.0
    /// Bytes of output kept per try: the first half, and the latest output past it (the oldest of
    /// that is dropped, marked where it was). Default 104857600 (100 MiB).
    public var logMaxBytes = 104_857_600
    /// Largest value (as JSON) a try may publish for other tasks (XCom); larger fails the try.
    /// Default 49152 (48 KiB).
    public var xcomMaxBytes = 49_152
    /// Most mapped instances one mapped task may expand to (Airflow's `core.max_map_length`); a
    /// longer result fails the task that published it. Default 1024.
    public var maxMapLength = TaskExpansion.defaultMaxLength
    /// Niceness of local task processes (0–19): above Tide's own processes' 0, so that a busy
    /// machine delays tasks rather than the scheduler, PostgreSQL and the workers. Default 10.
    public var taskNiceness: Int32 = 10

    public init() {}
}

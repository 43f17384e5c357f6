import Foundation

/// One configuration key: where it is read from, what it means, and how it is checked.
public struct ConfigurationKey: Sendable {
    /// Dotted key in `tide.yaml`, e.g. `worker.concurrency`.
    public let fileKey: String
    /// Environment variable, e.g. `TIDE_WORKER_CONCURRENCY`.
    public let environmentVariable: String
    /// One line for `--help` and the README, with unit and default.
    public let summary: String
    let apply: @Sendable (inout TideConfiguration, String) -> String?

    /// Keys whose values are secrets: an error about them never echoes the value.
    static let secretKeys: Set<String> = ["api.secret_key", "database_password", "redis_password"]
    var isSecret: Bool { Self.secretKeys.contains(fileKey) }

    /// Every key Tide reads. `apply` returns nil, or what was expected when the value is invalid.
    public static let all: [ConfigurationKey] = [
        text("database_url", "TIDE_DATABASE_URL", "PostgreSQL URL (default postgres://127.0.0.1:5432/tide)") {
            $0.databaseURL = $1
        },
        text("database_schema", "TIDE_DATABASE_SCHEMA", "PostgreSQL schema for Tide's tables (default public)") {
            $0.databaseSchema = $1
        },
        text("redis_url", "TIDE_REDIS_URL", "Redis URL (default redis://127.0.0.1:6379/0)") { $0.redisURL = $1 },
        text("database_password", "TIDE_DATABASE_PASSWORD", "PostgreSQL password, instead of the URL's (default none)")
        {
            $0.credentials.databasePassword = $1
        },
        text("redis_username", "TIDE_REDIS_USERNAME", "Redis ACL user name (default: the default user)") {
            $0.credentials.redisUsername = $1
        },
        text("redis_password", "TIDE_REDIS_PASSWORD", "Redis password, instead of the URL's (default none)") {
            $0.credentials.redisPassword = $1
        },
        text("redis_key_prefix", "TIDE_REDIS_KEY_PREFIX", "prefix of Tide's Redis keys (default tide:)") {
            $0.redisKeyPrefix = $1
        },
        text("dags_folder", "TIDE_DAGS_FOLDER", "folder of DAG YAML files, scanned recursively (default ./dags)") {
            $0.dagsFolder = $1
        },
        ConfigurationKey(
            fileKey: "log_level", environmentVariable: "TIDE_LOG_LEVEL",
            summary: "trace|debug|info|notice|warning|error|critical (default info)"
        ) { config, value in
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(value.lowercased()) else { return "one of \(levels.joined(separator: ", "))" }
            config.logLevel = value.lowercased()
            return nil
        },
        ConfigurationKey(
            fileKey: "default_timezone", environmentVariable: "TIDE_DEFAULT_TIMEZONE",
            summary: "IANA time zone for DAGs without 'timezone' (default UTC)"
        ) { config, value in
            guard TimeZone(identifier: value) != nil else { return "an IANA time zone such as Europe/Berlin" }
            config.defaultTimeZone = value
            return nil
        },
        ConfigurationKey(
            fileKey: "default_weight_rule", environmentVariable: "TIDE_DEFAULT_WEIGHT_RULE",
            summary: "weight rule of tasks without 'weight_rule': downstream|upstream|absolute (default downstream)"
        ) { config, value in
            guard let rule = WeightRule(rawValue: value) else {
                return "one of \(WeightRule.allCases.map(\.rawValue).joined(separator: ", "))"
            }
            config.scheduler.defaultWeightRule = rule
            return nil
        },
        flag(
            "scheduler.catchup_by_default", "TIDE_SCHEDULER_CATCHUP_BY_DEFAULT",
            "create missed runs for DAGs without 'catchup' (default false)"
        ) {
            $0.scheduler.catchupByDefault = $1
        },
        count(
            "scheduler.parallelism", "TIDE_SCHEDULER_PARALLELISM",
            "most task instances queued or running in all (default 32)"
        ) {
            $0.scheduler.parallelism = $1
        },
        seconds("scheduler.poll_interval", "TIDE_SCHEDULER_POLL_INTERVAL", "fallback pass interval (default 2s)") {
            $0.scheduler.pollIntervalSeconds = $1
        },
        seconds(
            "scheduler.dag_sync_interval", "TIDE_SCHEDULER_DAG_SYNC_INTERVAL", "DAG folder scan interval (default 5s)"
        ) {
            $0.scheduler.dagSyncIntervalSeconds = $1
        },
        seconds(
            "scheduler.queued_timeout", "TIDE_SCHEDULER_QUEUED_TIMEOUT",
            "re-push queued tasks missing from Redis after (default 30s)"
        ) {
            $0.scheduler.queuedTimeoutSeconds = $1
        },
        seconds(
            "scheduler.worker_timeout", "TIDE_SCHEDULER_WORKER_TIMEOUT",
            "worker presumed dead without heartbeat after (default 30s)"
        ) {
            $0.scheduler.workerTimeoutSeconds = $1
        },
        count("worker.concurrency", "TIDE_WORKER_CONCURRENCY", "task tries per worker process (default 8)") {
            $0.worker.concurrency = $1
        },
        ConfigurationKey(
            fileKey: "worker.queues", environmentVariable: "TIDE_WORKER_QUEUES",
            summary: "comma-separated queues, in preference order (default default)"
        ) { config, value in
            let queues = value.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
            guard !queues.isEmpty, queues.allSatisfy(Identifier.isValid) else {
                return "a comma-separated list of queue names (\(Identifier.rule))"
            }
            config.worker.queues = queues
            return nil
        },
        seconds("worker.heartbeat_interval", "TIDE_WORKER_HEARTBEAT_INTERVAL", "heartbeat interval (default 5s)") {
            $0.worker.heartbeatIntervalSeconds = $1
        },
        seconds(
            "worker.shutdown_grace", "TIDE_WORKER_SHUTDOWN_GRACE",
            "time to finish running tries after SIGTERM (default 30s)"
        ) {
            $0.worker.shutdownGraceSeconds = $1
        },
        count("worker.log_max_bytes", "TIDE_WORKER_LOG_MAX_BYTES", "bytes of output kept per try (default 104857600)") {
            $0.worker.logMaxBytes = $1
        },
        count(
            "worker.xcom_max_bytes", "TIDE_WORKER_XCOM_MAX_BYTES",
            "largest result (XCom value, as JSON) a try may publish (default 49152)"
        ) {
            $0.worker.xcomMaxBytes = $1
        },
        count(
            "worker.max_map_length", "TIDE_WORKER_MAX_MAP_LENGTH",
            "most instances a mapped task expands to (Airflow's core.max_map_length) (default 1024)"
        ) {
            $0.worker.maxMapLength = $1
        },
        count(
            "worker.task_niceness", "TIDE_WORKER_TASK_NICENESS",
            "CPU niceness of local task processes, 0 (as Tide) to 19 (lowest) (default 10)", in: 0...19,
            expected: "a whole number from 0 to 19"
        ) {
            $0.worker.taskNiceness = Int32($1)
        },
        text(
            "kubernetes.kubeconfig", "TIDE_KUBERNETES_KUBECONFIG",
            "kubeconfig file for pod tasks (default: in-cluster service account when in a pod)"
        ) {
            $0.kubernetes.kubeconfig = $1
        },
        text("kubernetes.context", "TIDE_KUBERNETES_CONTEXT", "kubeconfig context (default: its current-context)") {
            $0.kubernetes.context = $1
        },
        flag(
            "kubernetes.in_cluster", "TIDE_KUBERNETES_IN_CLUSTER",
            "use the pod's service account (default: when KUBERNETES_SERVICE_HOST is set)"
        ) {
            $0.kubernetes.inCluster = $1
        },
        text(
            "kubernetes.service_account_dir", "TIDE_KUBERNETES_SERVICE_ACCOUNT_DIR",
            "in a pod: folder of token, ca.crt, namespace (default /var/run/secrets/kubernetes.io/serviceaccount)"
        ) {
            $0.kubernetes.serviceAccountFolder = $1
        },
        text(
            "kubernetes.worker_image", "TIDE_KUBERNETES_WORKER_IMAGE",
            "image of pods for executor: kubernetes tasks, with tide inside (default tide:latest)"
        ) {
            $0.kubernetes.workerImage = $1
        },
        ConfigurationKey(
            fileKey: "kubernetes.worker_secret", environmentVariable: "TIDE_KUBERNETES_WORKER_SECRET",
            summary: "Secret of TIDE_* variables (database URL, ...) for those pods (default none)"
        ) { config, value in
            guard KubeNaming.isDNSSubdomain(value) else { return "a Secret name (DNS-1123 subdomain)" }
            config.kubernetes.workerSecret = value
            return nil
        },
        ConfigurationKey(
            fileKey: "kubernetes.namespace", environmentVariable: "TIDE_KUBERNETES_NAMESPACE",
            summary: "namespace of pods whose task names none (default: the context's or the pod's own)"
        ) { config, value in
            guard KubeNaming.isDNSLabel(value) else { return "a namespace name (DNS-1123 label)" }
            config.kubernetes.namespace = value
            return nil
        },
        count(
            "scaling.min_workers", "TIDE_SCALING_MIN_WORKERS",
            "fewest workers a queue's scaling hint asks for (default 1; 0 scales to zero)", in: 0...Int(Int32.max)
        ) {
            $0.scaling.minWorkers = $1
        },
        count("scaling.max_workers", "TIDE_SCALING_MAX_WORKERS", "most workers a queue's hint asks for (default 10)") {
            $0.scaling.maxWorkers = $1
        },
        ConfigurationKey(
            fileKey: "scaling.tolerance", environmentVariable: "TIDE_SCALING_TOLERANCE",
            summary: "ignore desired/current ratios within this fraction of 1 (default 0.1)"
        ) { config, value in
            guard let number = Double(value), number >= 0, number < 1 else { return "a fraction from 0 to below 1" }
            config.scaling.tolerance = number
            return nil
        },
        seconds(
            "scaling.scale_down_window", "TIDE_SCALING_SCALE_DOWN_WINDOW",
            "scale down only to the highest hint of this window (default 300s)"
        ) {
            $0.scaling.scaleDownWindowSeconds = $1
        },
        seconds(
            "kubernetes.orphan_sweep_interval", "TIDE_KUBERNETES_ORPHAN_SWEEP_INTERVAL",
            "how often workers delete pods whose try is over (default 60s)"
        ) {
            $0.kubernetes.orphanSweepIntervalSeconds = $1
        },
        flag(
            "kubernetes.mask_secret_values", "TIDE_KUBERNETES_MASK_SECRET_VALUES",
            "read the Secrets pods take values from, to mask them in task logs (default true)"
        ) {
            $0.kubernetes.maskSecretValues = $1
        },
        text("api.host", "TIDE_API_HOST", "address tide api listens on (default 127.0.0.1; 0.0.0.0 in a container)") {
            $0.api.host = $1
        },
        count(
            "api.port", "TIDE_API_PORT", "port of tide api (default 8080)", in: 0...65535,
            expected: "a port number from 0 to 65535"
        ) {
            $0.api.port = $1
        },
        text("api.users_file", "TIDE_API_USERS_FILE", "file of API users with bcrypt password hashes (default none)") {
            $0.api.usersFile = $1
        },
        ConfigurationKey(
            fileKey: "api.secret_key", environmentVariable: "TIDE_API_SECRET_KEY",
            summary: "key signing API access tokens, at least 32 characters (default: random per process)"
        ) { config, value in
            // HS256 needs a key at least as long as its 32-byte hash; a shorter one is guessable.
            guard value.utf8.count >= 32 else { return "a secret of at least 32 characters" }
            config.api.secretKey = value
            return nil
        },
        seconds("api.token_lifetime", "TIDE_API_TOKEN_LIFETIME", "how long an API access token is valid (default 24h)")
        {
            $0.api.tokenLifetimeSeconds = $1
        },
        count("api.max_page_size", "TIDE_API_MAX_PAGE_SIZE", "most items a list request may ask for (default 1000)") {
            $0.api.maxPageSize = $1
        },
        count("api.max_body_bytes", "TIDE_API_MAX_BODY_BYTES", "largest request body accepted (default 1048576)") {
            $0.api.maxBodyBytes = $1
        },
        seconds("scaling.interval", "TIDE_SCALING_INTERVAL", "seconds between scaling-hint computations (default 5s)") {
            $0.scaling.intervalSeconds = $1
        },
    ]

    static func text(
        _ fileKey: String, _ variable: String, _ summary: String,
        _ set: @escaping @Sendable (inout TideConfiguration, String) -> Void
    ) -> ConfigurationKey {
        ConfigurationKey(fileKey: fileKey, environmentVariable: variable, summary: summary) { config, value in
            guard !value.isEmpty else { return "a non-empty value" }
            set(&config, value)
            return nil
        }
    }

    static func seconds(
        _ fileKey: String, _ variable: String, _ summary: String,
        _ set: @escaping @Sendable (inout TideConfiguration, Double) -> Void
    ) -> ConfigurationKey {
        ConfigurationKey(fileKey: fileKey, environmentVariable: variable, summary: summary) { config, value in
            guard let seconds = DurationParser.seconds(value), seconds > 0 else {
                return "a duration above zero such as 5, 500ms, 30s or 2m"
            }
            set(&config, seconds)
            return nil
        }
    }

    static func flag(
        _ fileKey: String, _ variable: String, _ summary: String,
        _ set: @escaping @Sendable (inout TideConfiguration, Bool) -> Void
    ) -> ConfigurationKey {
        ConfigurationKey(fileKey: fileKey, environmentVariable: variable, summary: summary) { config, value in
            switch value.lowercased() {
            case "true", "yes", "1": set(&config, true)
            case "false", "no", "0": set(&config, false)
            default: return "true or false"
            }
            return nil
        }
    }

    /// A whole number within `range` (by default at least 1).
    static func count(
        _ fileKey: String, _ variable: String, _ summary: String, in range: ClosedRange<Int> = 1...Int(Int32.max),
        expected: String? = nil, _ set: @escaping @Sendable (inout TideConfiguration, Int) -> Void
    ) -> ConfigurationKey {
        ConfigurationKey(fileKey: fileKey, environmentVariable: variable, summary: summary) { config, value in
            guard let number = Int(value), range.contains(number) else {
                return expected ?? "a whole number of at least \(range.lowerBound)"
            }
            set(&config, number)
            return nil
        }
    }
}

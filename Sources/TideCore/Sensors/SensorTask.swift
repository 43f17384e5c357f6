/// A task that waits for a condition (Airflow's sensors): it checks, and checks again every
/// `poke_interval` until the condition holds (success) or `timeout` passes (failed, not retried;
/// skipped with `soft_fail`).
public struct SensorTask: Sendable, Hashable, Codable {
    /// What is checked.
    public var check: SensorCheck
    /// Seconds between checks (Airflow's default: 60).
    public var pokeIntervalSeconds: Double
    /// Seconds from the first check after which the sensor gives up. Required in Tide (Airflow's
    /// default of seven days hides forgotten sensors).
    public var timeoutSeconds: Double
    /// Whether the try holds its worker slot between checks.
    public var mode: SensorMode
    /// Grow the interval between checks (Airflow's `exponential_backoff`).
    public var exponentialBackoff: Bool
    /// Upper bound of an interval with back-off.
    public var maxWaitSeconds: Double?
    /// On timeout (or a failed state of the awaited task), skip instead of failing.
    public var softFail: Bool

    public init(
        check: SensorCheck, pokeIntervalSeconds: Double = 60, timeoutSeconds: Double, mode: SensorMode = .poke,
        exponentialBackoff: Bool = false, maxWaitSeconds: Double? = nil, softFail: Bool = false
    ) {
        self.check = check
        self.pokeIntervalSeconds = pokeIntervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.mode = mode
        self.exponentialBackoff = exponentialBackoff
        self.maxWaitSeconds = maxWaitSeconds
        self.softFail = softFail
    }

    private enum CodingKeys: String, CodingKey {
        case check, pokeIntervalSeconds = "poke_interval_seconds", timeoutSeconds = "timeout_seconds", mode
        case exponentialBackoff = "exponential_backoff", maxWaitSeconds = "max_wait_seconds", softFail = "soft_fail"
    }
}

/// Airflow's sensor modes.
public enum SensorMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// The try runs until the condition holds, holding its worker slot while it waits.
    case poke
    /// Each check is short; between checks the task instance is `up_for_reschedule` and holds no
    /// slot, and the scheduler brings it back when the next check is due.
    case reschedule
}

/// What a sensor checks.
public enum SensorCheck: Sendable, Hashable, Codable {
    /// A shell script (BashSensor): exit 0 means the condition holds.
    case bash(String)
    /// An argv run without a shell: exit 0 means the condition holds.
    case command([String])
    /// A path, or a glob pattern, that must exist (FileSensor).
    case file(String)
    /// A URL that must answer (HttpSensor).
    case http(HTTPSensorCheck)
    /// Another DAG's task (or run) that must reach a state (ExternalTaskSensor). The scheduler
    /// checks it in PostgreSQL; no process runs.
    case externalTask(ExternalTaskCheck)

    /// Whether the scheduler checks it itself (no worker, no process).
    public var isCheckedByScheduler: Bool {
        if case .externalTask = self { return true }
        return false
    }

    /// A short name for listings and logs.
    public var name: String {
        switch self {
        case .bash: "bash"
        case .command: "command"
        case .file: "file"
        case .http: "http"
        case .externalTask: "external_task"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case bash, command, file, http, externalTask = "external_task"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let script = try container.decodeIfPresent(String.self, forKey: .bash) {
            self = .bash(script)
        } else if let argv = try container.decodeIfPresent([String].self, forKey: .command) {
            self = .command(argv)
        } else if let path = try container.decodeIfPresent(String.self, forKey: .file) {
            self = .file(path)
        } else if let check = try container.decodeIfPresent(HTTPSensorCheck.self, forKey: .http) {
            self = .http(check)
        } else {
            self = .externalTask(try container.decode(ExternalTaskCheck.self, forKey: .externalTask))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .bash(let script): try container.encode(script, forKey: .bash)
        case .command(let argv): try container.encode(argv, forKey: .command)
        case .file(let path): try container.encode(path, forKey: .file)
        case .http(let check): try container.encode(check, forKey: .http)
        case .externalTask(let check): try container.encode(check, forKey: .externalTask)
        }
    }

    /// Its fields that are templates.
    public var templatedTexts: [String] {
        switch self {
        case .bash(let script): [script]
        case .command(let argv): argv
        case .file(let path): [path]
        case .http(let check): [check.url] + (check.responseContains.map { [$0] } ?? [])
        case .externalTask: []
        }
    }
}

/// An HTTP check: a GET that answers 2xx (and, when given, whose body contains a text).
public struct HTTPSensorCheck: Sendable, Hashable, Codable {
    public var url: String
    public var responseContains: String?

    public init(url: String, responseContains: String? = nil) {
        self.url = url
        self.responseContains = responseContains
    }

    private enum CodingKeys: String, CodingKey { case url, responseContains = "response_contains" }
}

/// Another DAG's task instance (or, without a task, its run) at a logical date.
public struct ExternalTaskCheck: Sendable, Hashable, Codable {
    public var dagId: String
    /// Nil: the run itself.
    public var taskId: String?
    /// The awaited run's logical date is this run's minus this many seconds (Airflow's
    /// `execution_delta`; 0: the same logical date).
    public var executionDeltaSeconds: Double
    /// States in which the condition holds (Airflow's default: success).
    public var allowedStates: [TaskState]
    /// States that fail the sensor at once (Airflow's default: none, so it waits until its timeout).
    public var failedStates: [TaskState]

    public init(
        dagId: String, taskId: String? = nil, executionDeltaSeconds: Double = 0,
        allowedStates: [TaskState] = [.success], failedStates: [TaskState] = []
    ) {
        self.dagId = dagId
        self.taskId = taskId
        self.executionDeltaSeconds = executionDeltaSeconds
        self.allowedStates = allowedStates
        self.failedStates = failedStates
    }

    private enum CodingKeys: String, CodingKey {
        case dagId = "dag_id", taskId = "task_id", executionDeltaSeconds = "execution_delta_seconds"
        case allowedStates = "allowed_states", failedStates = "failed_states"
    }

    /// What the state of the awaited task (or run) means for the sensor; nil: no such run yet.
    public func verdict(on state: TaskState?) -> SensorVerdict {
        guard let state else { return .notYet }
        if allowedStates.contains(state) { return .satisfied }
        if failedStates.contains(state) { return .failed }
        return .notYet
    }
}

/// The result of one check.
public enum SensorVerdict: Sendable, Hashable {
    case satisfied
    case notYet
    /// The awaited task reached a failed state: the sensor fails (or skips with `soft_fail`).
    case failed
}

/// A workflow: tasks and the dependencies between them, as read from one DAG file.
///
/// A `DAG` is validated on construction by ``DAGParser``: task ids are unique, upstream ids exist
/// and there is no cycle. Its JSON form (``DAG/storedJSON()``) is what PostgreSQL stores, so that
/// the scheduler's peers and workers never need the DAG files.
public struct DAG: Sendable, Hashable, Codable {
    public var dagId: String
    public var description: String
    public var tags: [String]
    /// Parameters with defaults; a run's `conf` overrides them.
    public var params: [String: JSONValue]
    /// Tasks in file order.
    public var tasks: [TaskSpec]
    /// The file the DAG was read from, relative to the DAG folder.
    public var fileloc: String
    /// When runs are created on their own.
    public var schedule: Schedule
    /// IANA time zone the schedule and naive dates are read in; nil means the configured default.
    public var timeZone: String?
    /// IANA time zone `{{ ds }}`, `{{ ts }}` and the other dates of the template context are
    /// rendered in; nil renders them in UTC, as Airflow does.
    public var templateTimeZone: String?
    /// First data interval starts at or after this (as written; read in the DAG's time zone).
    public var startDate: String?
    /// No run has a logical date after this.
    public var endDate: String?
    /// Create the runs of intervals missed while Tide was down or the DAG paused; nil means the configured default.
    public var catchup: Bool?
    /// Most runs of this DAG queued or running at once.
    public var maxActiveRuns: Int
    /// Most task instances of this DAG queued or running at once, across its runs.
    public var maxActiveTasks: Int
    /// Webhooks called when a run succeeds or fails.
    public var callbacks: Callbacks
    /// Seconds a run may take before it is failed and its unfinished tasks are stopped.
    public var dagrunTimeoutSeconds: Double?

    public init(
        dagId: String, description: String = "", tags: [String] = [], params: [String: JSONValue] = [:],
        tasks: [TaskSpec], fileloc: String = "", schedule: Schedule = .manual, timeZone: String? = nil,
        templateTimeZone: String? = nil, startDate: String? = nil, endDate: String? = nil, catchup: Bool? = nil,
        maxActiveRuns: Int = 16,
        maxActiveTasks: Int = 16,
        dagrunTimeoutSeconds: Double? = nil, callbacks: Callbacks = Callbacks()
    ) {
        self.dagId = dagId
        self.description = description
        self.tags = tags
        self.params = params
        self.tasks = tasks
        self.fileloc = fileloc
        self.schedule = schedule
        self.timeZone = timeZone
        self.templateTimeZone = templateTimeZone
        self.startDate = startDate
        self.endDate = endDate
        self.catchup = catchup
        self.maxActiveRuns = maxActiveRuns
        self.maxActiveTasks = maxActiveTasks
        self.callbacks = callbacks
        self.dagrunTimeoutSeconds = dagrunTimeoutSeconds
    }

    private enum CodingKeys: String, CodingKey {
        case dagId = "dag_id", description, tags, params, tasks, fileloc, schedule, timeZone = "timezone"
        case templateTimeZone = "template_timezone"
        case startDate = "start_date", endDate = "end_date", catchup, maxActiveRuns = "max_active_runs"
        case dagrunTimeoutSeconds = "dagrun_timeout_seconds", maxActiveTasks = "max_active_tasks", callbacks
    }

    // Definitions stored before a field existed decode with its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dagId = try container.decode(String.self, forKey: .dagId)
        description = try container.decode(String.self, forKey: .description)
        tags = try container.decode([String].self, forKey: .tags)
        params = try container.decode([String: JSONValue].self, forKey: .params)
        tasks = try container.decode([TaskSpec].self, forKey: .tasks)
        fileloc = try container.decode(String.self, forKey: .fileloc)
        schedule = try container.decodeIfPresent(Schedule.self, forKey: .schedule) ?? .manual
        timeZone = try container.decodeIfPresent(String.self, forKey: .timeZone)
        templateTimeZone = try container.decodeIfPresent(String.self, forKey: .templateTimeZone)
        startDate = try container.decodeIfPresent(String.self, forKey: .startDate)
        endDate = try container.decodeIfPresent(String.self, forKey: .endDate)
        catchup = try container.decodeIfPresent(Bool.self, forKey: .catchup)
        maxActiveRuns = try container.decodeIfPresent(Int.self, forKey: .maxActiveRuns) ?? 16
        maxActiveTasks = try container.decodeIfPresent(Int.self, forKey: .maxActiveTasks) ?? 16
        callbacks = try container.decodeIfPresent(Callbacks.self, forKey: .callbacks) ?? Callbacks()
        dagrunTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .dagrunTimeoutSeconds)
    }

    /// The task with this id, if any.
    public func task(_ taskId: String) -> TaskSpec? {
        tasks.first { $0.taskId == taskId }
    }

    /// For each task id, the ids of the tasks that list it as upstream.
    public var downstream: [String: [String]] {
        var result: [String: [String]] = [:]
        for task in tasks {
            for parent in task.upstream { result[parent, default: []].append(task.taskId) }
        }
        return result
    }
}

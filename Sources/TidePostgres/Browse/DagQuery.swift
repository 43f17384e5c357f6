import TideCore

/// Which DAGs a list shows, in what order, and which page.
public struct DagQuery: Sendable, Hashable {
    /// What lists of DAGs can be sorted by.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case dagId = "dag_id"
        case isPaused = "is_paused"
        case lastParsed = "last_parsed_time"
        case fileloc
    }

    /// A search over id, description and tags (``SearchPattern``).
    public var search: String?
    /// DAGs whose id starts with this (case-sensitive).
    public var idPrefix: String?
    public var tags: [String] = []
    /// true: a DAG needs every tag in `tags`; false: any one.
    public var tagsMatchAll = false
    public var paused: Bool?
    /// Include DAGs whose file is gone (Airflow's stale DAGs).
    public var includeInactive = false
    public var order: [SortKey<Field>] = [SortKey(.dagId)]
    public var limit = 50
    public var offset = 0

    public init() {}
}

/// Which runs a list shows, in what order, and which page.
public struct RunQuery: Sendable, Hashable {
    /// What lists of runs can be sorted by.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case id
        case runId = "run_id"
        case dagId = "dag_id"
        case state
        case logicalDate = "logical_date"
        case queuedAt = "queued_at"
        case startDate = "start_date"
        case endDate = "end_date"
        case runType = "run_type"
    }

    /// nil: runs of every DAG.
    public var dagId: String?
    public var states: [DagRunState] = []
    public var runTypes: [String] = []
    public var runIdSearch: String?
    public var logicalDate = TimeRange()
    public var startDate = TimeRange()
    public var endDate = TimeRange()
    public var order: [SortKey<Field>] = [SortKey(.id)]
    public var limit = 50
    public var offset = 0

    public init() {}
}

/// Which task instances of one run a list shows.
public struct TaskInstanceQuery: Sendable, Hashable {
    /// What lists of task instances can be sorted by.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case id
        case taskId = "task_id"
        case state
        case startDate = "start_date"
        case endDate = "end_date"
        case tryNumber = "try_number"
        case priorityWeight = "priority_weight"
        case queuedAt = "queued_when"
        case pool
        case queue
        case mapIndex = "map_index"
    }

    /// nil: every state; `none` selects task instances with no state yet.
    public var states: [TaskState]?
    public var taskIds: [String] = []
    public var pools: [String] = []
    public var queues: [String] = []
    /// Only mapped instances (map index 0 and up), as Airflow's `listMapped`.
    public var onlyMapped = false
    /// Only these map indexes (empty: any).
    public var mapIndexes: [Int] = []
    public var order: [SortKey<Field>] = [SortKey(.id)]
    public var limit = 100
    public var offset = 0

    public init() {}
}

/// A workflow: tasks and the dependencies between them, as read from one DAG file.
///
/// A `DAG` is validated on construction by ``DAGParser``: task ids are unique, upstream ids exist
/// and there is no cycle. Its JSON form (``DAG/serialized()``) is what PostgreSQL stores, so that
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

    public init(
        dagId: String, description: String = "", tags: [String] = [], params: [String: JSONValue] = [:],
        tasks: [TaskSpec], fileloc: String = ""
    ) {
        self.dagId = dagId
        self.description = description
        self.tags = tags
        self.params = params
        self.tasks = tasks
        self.fileloc = fileloc
    }

    private enum CodingKeys: String, CodingKey {
        case dagId = "dag_id", description, tags, params, tasks, fileloc
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

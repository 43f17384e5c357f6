/// One task of one DAG, as a key for counters and limits (`max_active_tis_per_dag`).
///
/// A typed pair rather than `"dag.task"`: DAG and task ids may both contain dots, and `a.b`/`c`
/// and `a`/`b.c` must not share a counter.
public struct TaskKey: Sendable, Hashable, CustomStringConvertible {
    public var dagId: String
    public var taskId: String

    public init(dagId: String, taskId: String) {
        self.dagId = dagId
        self.taskId = taskId
    }

    public var description: String { "\(dagId).\(taskId)" }
}

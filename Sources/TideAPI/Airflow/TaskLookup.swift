import TideCore

/// What an answer needs of each task of a DAG, by task id, built once per answer: `DAG.task(_:)`
/// is a linear search, too slow for a page of 1,000 task instances of a 1,000-task DAG.
struct TaskLookup: Sendable {
    /// Airflow's operator name, and whether the task runs in a pod of its own (`executor: kubernetes`).
    struct Task: Sendable, Hashable {
        var operatorName: String
        var runsInPod: Bool
    }

    let tasks: [String: Task]

    init(_ dag: DAG?) {
        tasks = Dictionary(
            (dag?.tasks ?? []).map {
                ($0.taskId, Task(operatorName: AirflowJSON.operatorName($0.kind), runsInPod: $0.runsInPod))
            }, uniquingKeysWith: { first, _ in first })
    }

    subscript(_ taskId: String) -> Task? { tasks[taskId] }
}

import TideCore

/// A DAG's tasks by id and their downstream tasks, built once per answer: `DAG.task(_:)` is a
/// linear search, too slow for a page of 1,000 task instances of a 1,000-task DAG.
struct TaskLookup: Sendable {
    let tasks: [String: TaskSpec]
    let downstream: [String: [String]]

    init(_ dag: DAG?) {
        tasks = Dictionary((dag?.tasks ?? []).map { ($0.taskId, $0) }, uniquingKeysWith: { first, _ in first })
        downstream = dag?.downstream ?? [:]
    }

    subscript(_ taskId: String) -> TaskSpec? { tasks[taskId] }
}

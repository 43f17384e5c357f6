/// What a DAG's expansions (``TaskExpansion``) say about its tasks, as a worker and the scheduler
/// both need it.
public struct ExpansionFacts: Sendable {
    /// The mapped tasks: each has several instances in a run once expanded.
    public let mapped: Set<String>
    /// For each task whose results a mapped task expands over, those results' keys: its try must
    /// publish a list (or an object) under each, as Airflow fails the pushing task otherwise. A
    /// mapped task is not one of them: the list is made of its instances' results.
    public let expandedResults: [String: Set<String>]

    /// - Parameter tasks: each task's id and expansion (nil for a task that is not mapped).
    public init(_ tasks: [(taskId: String, expand: TaskExpansion?)]) {
        let mapped = Set(tasks.compactMap { $0.expand == nil ? nil : $0.taskId })
        var expandedResults: [String: Set<String>] = [:]
        for task in tasks {
            // A mapped task's instances each publish one item of the list that is expanded over.
            for pull in task.expand?.pulls ?? [] where !mapped.contains(pull.taskId) {
                expandedResults[pull.taskId, default: []].insert(pull.key)
            }
        }
        self.mapped = mapped
        self.expandedResults = expandedResults
    }
}

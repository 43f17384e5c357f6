/// A DAG version prepared for the scheduler's hot path: tasks by index, upstream and downstream
/// adjacency lists, and the flags the resolver asks about, built once per version.
///
/// A version never changes once stored, so one compiled value serves every run of that version
/// and every pass: no linear search for a task, nothing rebuilt per read.
public struct CompiledDAG: Sendable {
    /// The definition it was compiled from.
    public let dag: DAG
    /// Task id → index into `dag.tasks`.
    public let index: [String: Int]
    /// For each task index, its upstream task indexes (as the task lists them).
    public let upstream: [[Int]]
    /// For each task index, the indexes of the tasks that list it as upstream (in file order).
    public let downstream: [[Int]]
    /// Whether any task has `depends_on_past` (most DAGs have none: no previous run to read).
    public let anyDependsOnPast: Bool
    /// Whether any task is a branch (most DAGs have none: no choice to read).
    public let anyBranch: Bool
    /// The sensors the scheduler checks itself (`external_task`): never queued for a worker.
    public let checkedByScheduler: Set<String>
    /// The mapped tasks (``TaskExpansion``): each has several instances in a run once expanded.
    public let mapped: Set<String>
    /// For each task whose results a mapped task expands over, those results' keys: its try must
    /// publish a list (or an object) under each, as Airflow fails the pushing task otherwise. A
    /// mapped task is not one of them: the list is made of its instances' results.
    public let expandedResults: [String: Set<String>]

    public init(_ dag: DAG) {
        self.dag = dag
        var index: [String: Int] = [:]
        index.reserveCapacity(dag.tasks.count)
        for (position, task) in dag.tasks.enumerated() where index[task.taskId] == nil {
            index[task.taskId] = position
        }
        var upstream: [[Int]] = []
        upstream.reserveCapacity(dag.tasks.count)
        var downstream = [[Int]](repeating: [], count: dag.tasks.count)
        for (position, task) in dag.tasks.enumerated() {
            // A parsed DAG names only tasks it has; an unknown name (never stored) is ignored.
            let parents = task.upstream.compactMap { index[$0] }
            upstream.append(parents)
            for parent in parents { downstream[parent].append(position) }
        }
        self.index = index
        self.upstream = upstream
        self.downstream = downstream
        anyDependsOnPast = dag.tasks.contains(where: \.dependsOnPast)
        anyBranch = dag.tasks.contains(where: \.branch)
        checkedByScheduler = Set(
            dag.tasks.compactMap { task in
                guard case .sensor(let sensor) = task.kind, sensor.check.isCheckedByScheduler else { return nil }
                return task.taskId
            })
        mapped = Set(dag.tasks.filter(\.isMapped).map(\.taskId))
        var expandedResults: [String: Set<String>] = [:]
        for task in dag.tasks {
            // A mapped task's instances each publish one item of the list that is expanded over.
            for pull in task.expand?.pulls ?? [] where !mapped.contains(pull.taskId) {
                expandedResults[pull.taskId, default: []].insert(pull.key)
            }
        }
        self.expandedResults = expandedResults
    }

    public var dagId: String { dag.dagId }
    public var taskCount: Int { dag.tasks.count }

    /// The task at `position`.
    public subscript(position: Int) -> TaskSpec { dag.tasks[position] }

    /// The task with this id, if the version has it.
    public func task(_ taskId: String) -> TaskSpec? {
        index[taskId].map { dag.tasks[$0] }
    }

    /// Ids of the tasks directly downstream of `taskId`.
    public func children(of taskId: String) -> [String] {
        guard let position = index[taskId] else { return [] }
        return downstream[position].map { dag.tasks[$0].taskId }
    }

    /// Ids of every task downstream of `taskId`, directly or not.
    public func descendants(of taskId: String) -> Set<String> {
        var found: Set<Int> = []
        var stack = index[taskId].map { downstream[$0] } ?? []
        while let position = stack.popLast() {
            guard found.insert(position).inserted else { continue }
            stack.append(contentsOf: downstream[position])
        }
        return Set(found.map { dag.tasks[$0].taskId })
    }
}

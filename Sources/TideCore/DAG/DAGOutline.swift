import Foundation

/// One DAG version as a worker needs it: the DAG's own fields, what its graph says about a try's
/// results (``TaskGraphFacts``), and each task's definition as stored, decoded only when a try of
/// that task asks for it. A worker of a 1,000-task DAG decodes the task it runs, not all of them
/// (the full decoding cost each new worker tens of milliseconds and a megabyte and a half).
public struct DAGOutline: Sendable, TaskGraphFacts {
    /// What the outline needs to know of each task, in the DAG's order.
    public struct TaskEntry: Sendable, Decodable {
        public var taskId: String
        public var upstream: [String]
        public var expand: TaskExpansion?
        /// A branch's declared choices (``TaskSpec/branchChoices``).
        public var branchChoices: [String]

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            taskId = try container.decode(String.self, forKey: .taskId)
            upstream = try container.decode([String].self, forKey: .upstream)
            expand = try container.decodeIfPresent(TaskExpansion.self, forKey: .expand)
            branchChoices = try container.decodeIfPresent([String].self, forKey: .branchChoices) ?? []
        }

        private enum CodingKeys: String, CodingKey {
            case taskId = "task_id", upstream, expand, branchChoices = "branch_choices"
        }
    }

    /// The DAG's own fields; its `tasks` is empty.
    public let dag: DAG
    public let expansions: ExpansionFacts
    /// Task id → the ids of the tasks that list it as upstream, in the DAG's order.
    private let downstream: [String: [String]]
    /// Task id → its declared branch choices, for the branches that declare some.
    private let declaredChoices: [String: [String]]
    /// Task id → its stored definition (JSON).
    private let definitions: [String: String]

    /// - Parameters:
    ///   - dag: the DAG's own fields (its tasks are not read).
    ///   - tasks: every task's entry, in the DAG's order.
    ///   - definitions: every task's stored definition, by id.
    public init(dag: DAG, tasks: [TaskEntry], definitions: [String: String]) {
        var withoutTasks = dag
        withoutTasks.tasks = []
        self.dag = withoutTasks
        expansions = ExpansionFacts(tasks.map { ($0.taskId, $0.expand) })
        let known = Set(tasks.map(\.taskId))
        var downstream: [String: [String]] = [:]
        for task in tasks {
            // A parsed DAG names only tasks it has; an unknown name (never stored) is ignored.
            for parent in task.upstream where known.contains(parent) {
                downstream[parent, default: []].append(task.taskId)
            }
        }
        self.downstream = downstream
        declaredChoices = Dictionary(
            tasks.filter { !$0.branchChoices.isEmpty }.map { ($0.taskId, $0.branchChoices) },
            uniquingKeysWith: { first, _ in first })
        self.definitions = definitions
    }

    /// An outline from stored JSON: the DAG's own fields (`tasks` not read) and its tasks' entries.
    /// - Throws: a decoding error naming what is wrong.
    public init(dagJSON: String, tasksJSON: String, definitions: [String: String]) throws {
        let tasks = try JSONDecoder().decode([TaskEntry].self, from: Data(tasksJSON.utf8))
        self.init(dag: try DAG.deserialize(dagJSON), tasks: tasks, definitions: definitions)
    }

    /// The task with this id, decoded from its stored definition; nil if the version has none.
    /// - Throws: a decoding error when the stored definition is not a task's.
    public func task(_ taskId: String) throws -> TaskSpec? {
        guard let definition = definitions[taskId] else { return nil }
        return try JSONDecoder().decode(TaskSpec.self, from: Data(definition.utf8))
    }

    public var dagId: String { dag.dagId }
    public var mapped: Set<String> { expansions.mapped }
    public var expandedResults: [String: Set<String>] { expansions.expandedResults }

    public func hasTask(_ taskId: String) -> Bool { definitions[taskId] != nil }
    public func allTaskIds() -> Set<String> { Set(definitions.keys) }

    public func children(of taskId: String) -> [String] {
        downstream[taskId] ?? []
    }

    public func descendants(of taskId: String) -> Set<String> {
        var found: Set<String> = []
        var stack = children(of: taskId)
        while let id = stack.popLast() {
            guard found.insert(id).inserted else { continue }
            stack.append(contentsOf: children(of: id))
        }
        return found
    }

    public func branchChoices(of taskId: String) -> [String] {
        declaredChoices[taskId] ?? []
    }
}

/// What a try's results are checked against: which tasks are mapped, which tasks' results are
/// expanded over, and what a branch may choose (the tasks, their children and descendants).
public protocol TaskGraphFacts: Sendable {
    var dagId: String { get }
    /// The mapped tasks: each has several instances in a run once expanded.
    var mapped: Set<String> { get }
    /// For each task whose results a mapped task expands over, those results' keys.
    var expandedResults: [String: Set<String>] { get }
    /// Whether the version has a task of this id.
    func hasTask(_ taskId: String) -> Bool
    /// Every task id, for suggestions when a name is misspelled.
    func allTaskIds() -> Set<String>
    /// Ids of the tasks directly downstream of `taskId`, in the DAG's order.
    func children(of taskId: String) -> [String]
    /// Ids of every task downstream of `taskId`, directly or not.
    func descendants(of taskId: String) -> Set<String>
    /// The choices a branch task declares (`branch: [a, b]`); empty when it declares none.
    func branchChoices(of taskId: String) -> [String]
}

extension CompiledDAG: TaskGraphFacts {
    public func hasTask(_ taskId: String) -> Bool { index[taskId] != nil }
    public func allTaskIds() -> Set<String> { Set(index.keys) }
    public func branchChoices(of taskId: String) -> [String] { task(taskId)?.branchChoices ?? [] }
}

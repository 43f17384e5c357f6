/// Decides which not-yet-started tasks of a run can be queued, skipped or marked upstream_failed.
///
/// It evaluates only the `frontier` (tasks whose upstream just changed) and follows the
/// consequences downstream: a task marked skipped or upstream_failed, or an `empty` task that
/// succeeds without a process, changes its own downstream tasks, which are evaluated in turn.
public enum DependencyResolver {
    /// What the scheduler should write for one run.
    public struct Resolution: Sendable, Hashable {
        /// Tasks to queue for a worker.
        public var toQueue: [String] = []
        /// `empty` tasks whose dependencies are met: they succeed without a worker.
        public var emptySucceeded: [String] = []
        public var skipped: [String] = []
        public var upstreamFailed: [String] = []

        public var isEmpty: Bool {
            toQueue.isEmpty && emptySucceeded.isEmpty && skipped.isEmpty && upstreamFailed.isEmpty
        }
    }

    /// The tasks whose states ``resolve(dag:states:frontier:pastNotMet:branches:)`` may read: the frontier,
    /// everything downstream of it, and their upstream tasks.
    public static func relevantTasks(dag: CompiledDAG, frontier: some Sequence<String>) -> Set<String> {
        var reach: Set<Int> = []
        var stack = frontier.compactMap { dag.index[$0] }
        while let task = stack.popLast() {
            guard reach.insert(task).inserted else { continue }
            stack.append(contentsOf: dag.downstream[task])
        }
        var relevant = reach
        for task in reach { relevant.formUnion(dag.upstream[task]) }
        return Set(relevant.map { dag[$0].taskId })
    }

    /// As ``resolve(dag:states:frontier:pastNotMet:branches:)`` on a definition compiled for this call.
    public static func resolve(
        dag: DAG, states: [String: TaskState], frontier: [String]? = nil, pastNotMet: Set<String> = [],
        branches: [String: BranchChoice] = [:], mappedInstances: [String: [TaskState]] = [:]
    ) -> Resolution {
        resolve(
            dag: CompiledDAG(dag), states: states, frontier: frontier, pastNotMet: pastNotMet, branches: branches,
            mappedInstances: mappedInstances)
    }

    /// - Parameters:
    ///   - states: current states of (at least) ``relevantTasks(dag:frontier:)``; a missing task counts as `none`.
    ///   - frontier: tasks to evaluate first (nil: every task, for a new run or a full pass).
    ///   - pastNotMet: `depends_on_past` tasks whose instance in the previous run has not yet
    ///     succeeded or been skipped: they wait even when their trigger rule is met.
    ///   - branches: the choice of each succeeded branch task (``BranchChoice``): a task directly
    ///     downstream of one that did not follow it is skipped, whatever its other upstream tasks.
    ///   - mappedInstances: the states of each expanded mapped task's instances. A mapped task's
    ///     own state in `states` is ``TaskState/mapped(_:)`` of them; its downstream tasks' trigger
    ///     rules count every instance, as Airflow's do. A mapped task decided `run` is in `toQueue`
    ///     (the scheduler expands it, or queues its undecided instances).
    public static func resolve(
        dag: CompiledDAG, states: [String: TaskState], frontier: [String]? = nil, pastNotMet: Set<String> = [],
        branches: [String: BranchChoice] = [:], mappedInstances: [String: [TaskState]] = [:]
    ) -> Resolution {
        var known: [Int: TaskState] = [:]
        known.reserveCapacity(states.count)
        for (taskId, state) in states { if let position = dag.index[taskId] { known[position] = state } }
        // Instances of mapped tasks not decided in this call: a task decided here counts as one.
        var instances: [Int: [TaskState]] = [:]
        for (taskId, states) in mappedInstances { if let position = dag.index[taskId] { instances[position] = states } }
        var resolution = Resolution()
        var pending = frontier.map { $0.compactMap { dag.index[$0] } } ?? Array(0..<dag.taskCount)
        var visited: Set<Int> = []
        while !pending.isEmpty {
            var next: [Int] = []
            for position in pending where (known[position] ?? TaskState.none) == .none {
                guard !visited.contains(position) else { continue }
                let task = dag[position]
                var decision = task.triggerRule.evaluate(
                    upstream: instances.isEmpty
                        ? dag.upstream[position].map { known[$0] ?? TaskState.none }
                        : dag.upstream[position].flatMap { instances[$0] ?? [known[$0] ?? TaskState.none] })
                if decision == .run && pastNotMet.contains(task.taskId) { decision = .wait }
                if !branches.isEmpty, notFollowed(position, dag: dag, known: known, branches: branches) {
                    decision = .skip
                }
                let newState: TaskState
                switch decision {
                case .wait:
                    continue
                case .run:
                    visited.insert(position)
                    instances[position] = nil
                    guard case .empty = task.kind else {
                        resolution.toQueue.append(task.taskId)
                        known[position] = .queued
                        continue
                    }
                    resolution.emptySucceeded.append(task.taskId)
                    newState = .success
                case .skip:
                    resolution.skipped.append(task.taskId)
                    newState = .skipped
                case .upstreamFailed:
                    resolution.upstreamFailed.append(task.taskId)
                    newState = .upstreamFailed
                }
                visited.insert(position)
                instances[position] = nil
                known[position] = newState
                next.append(contentsOf: dag.downstream[position])
            }
            pending = next
        }
        return resolution
    }

    /// Whether a succeeded branch task directly upstream of `position` chose not to follow it.
    private static func notFollowed(
        _ position: Int, dag: CompiledDAG, known: [Int: TaskState], branches: [String: BranchChoice]
    ) -> Bool {
        let taskId = dag[position].taskId
        return dag.upstream[position].contains { parent in
            guard known[parent] == .success, let choice = branches[dag[parent].taskId] else { return false }
            return !choice.followed.contains(taskId)
        }
    }
}

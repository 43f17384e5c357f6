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

    /// The tasks whose states ``resolve(dag:states:frontier:)`` may read: the frontier, everything
    /// downstream of it, and their upstream tasks.
    public static func relevantTasks(dag: DAG, frontier: some Sequence<String>) -> Set<String> {
        let downstream = dag.downstream
        var reach: Set<String> = []
        var stack = Array(frontier)
        while let task = stack.popLast() {
            guard reach.insert(task).inserted else { continue }
            stack.append(contentsOf: downstream[task] ?? [])
        }
        var relevant = reach
        for task in reach { relevant.formUnion(dag.task(task)?.upstream ?? []) }
        return relevant
    }

    /// - Parameters:
    ///   - states: current states of (at least) ``relevantTasks(dag:frontier:)``; a missing task counts as `none`.
    ///   - frontier: tasks to evaluate first (nil: every task, for a new run or a full pass).
    ///   - pastNotMet: `depends_on_past` tasks whose instance in the previous run has not yet
    ///     succeeded or been skipped: they wait even when their trigger rule is met.
    public static func resolve(
        dag: DAG, states: [String: TaskState], frontier: [String]? = nil, pastNotMet: Set<String> = []
    ) -> Resolution {
        let downstream = dag.downstream
        let tasks = Dictionary(dag.tasks.map { ($0.taskId, $0) }, uniquingKeysWith: { first, _ in first })
        var states = states
        var resolution = Resolution()
        var pending = frontier ?? dag.tasks.map(\.taskId)
        var visited: Set<String> = []
        while !pending.isEmpty {
            var next: [String] = []
            for taskId in pending where (states[taskId] ?? TaskState.none) == .none {
                guard let task = tasks[taskId], !visited.contains(taskId) else { continue }
                var decision = task.triggerRule.evaluate(upstream: task.upstream.map { states[$0] ?? TaskState.none })
                if decision == .run && pastNotMet.contains(taskId) { decision = .wait }
                let newState: TaskState
                switch decision {
                case .wait:
                    continue
                case .run:
                    visited.insert(taskId)
                    guard case .empty = task.kind else {
                        resolution.toQueue.append(taskId)
                        states[taskId] = .queued
                        continue
                    }
                    resolution.emptySucceeded.append(taskId)
                    newState = .success
                case .skip:
                    resolution.skipped.append(taskId)
                    newState = .skipped
                case .upstreamFailed:
                    resolution.upstreamFailed.append(taskId)
                    newState = .upstreamFailed
                }
                visited.insert(taskId)
                states[taskId] = newState
                next.append(contentsOf: downstream[taskId] ?? [])
            }
            pending = next
        }
        return resolution
    }
}

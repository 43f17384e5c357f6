import TideCore

extension SchedulerService {
    /// What a pass evaluates because of `events`: the tasks downstream of each finished one (a
    /// waiting wide join only if its watched upstream task finished, see ``JoinWatch``), and every
    /// task of each changed run.
    func addFrontiers(
        of events: [TaskEvent], to frontiers: inout [Int64: Set<String>?], touching touchedRuns: inout Set<Int64>
    ) async throws {
        // Waiting wide joins whose watched upstream task may still be unfinished: checked cheaply first.
        var watchChecks: [Int64: [(child: String, watch: String)]] = [:]
        for event in events where event.kind == .taskFinished {
            touchedRuns.insert(event.runId)
            guard let taskId = event.taskId, let state = event.state, state.isFinished,
                let dag = try await dagOfRun(event.runId)
            else { continue }
            var children: [String] = []
            for child in dag.children(of: taskId) {
                if let watch = joinWatch.watchedUpstream(
                    run: event.runId, child: child, finished: taskId, state: state, dag: dag)
                {
                    watchChecks[event.runId, default: []].append((child, watch))
                } else {
                    children.append(child)
                }
            }
            Self.add(children, to: &frontiers, run: event.runId)
        }
        for event in events where event.kind == .runChanged {
            frontiers[event.runId] = .some(nil)
            touchedRuns.insert(event.runId)
        }
        if !watchChecks.isEmpty {
            let checked = try await tasks.states(
                of: watchChecks.mapValues { Array(Set($0.flatMap { [$0.child, $0.watch] })) })
            for (runId, checks) in watchChecks {
                let current = checked[runId] ?? [:]
                let due = checks.filter { check in
                    // Still waiting while the watched task has not finished: nothing to evaluate.
                    current[check.child]?.state == TaskState.none && current[check.watch]?.state.isFinished != false
                }
                Self.add(due.map(\.child), to: &frontiers, run: runId)
            }
        }
    }

    /// Adds `tasks` to a run's frontier (a run already evaluated in full stays so).
    static func add(_ tasks: [String], to frontiers: inout [Int64: Set<String>?], run: Int64) {
        guard !tasks.isEmpty || frontiers[run] == nil else { return }
        switch frontiers[run] {
        case .some(.some(let frontier)): frontiers[run] = .some(frontier.union(tasks))
        case .some(.none): break
        case .none: frontiers[run] = .some(Set(tasks))
        }
    }
}

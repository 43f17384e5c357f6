import TideCore

/// The scheduler's watch on wide joins: a task waiting on many upstream tasks is not evaluated
/// again (nor its upstream states read) each time one of them finishes, but only when the one it
/// watches finishes, or one finishes in a state that can decide its trigger rule early.
///
/// When a waiting task is evaluated, it watches one unfinished upstream task (one of those
/// furthest from finishing). While that one is unfinished, an upstream task finishing in a state
/// its rule cannot decide on early (``TriggerRule/decidesEarly(on:)``) leaves it waiting: the
/// scheduler reads two states instead of all of them. A fan-in of n tasks is read in full a few
/// times instead of n times. The watch is this scheduler's memory only: another scheduler, a
/// restart or a full pass evaluates the task in full, as before.
final class JoinWatch: Sendable {
    /// Tasks with fewer upstream tasks are evaluated in full every time (cheap enough).
    static let minimumUpstream = 16

    private struct Key: Hashable {
        var run: Int64
        var task: Int
    }

    private let watched = LockedBox<[Key: Int]>([:])

    /// The upstream task `child` watches, when an upstream task finishing in `state` cannot
    /// decide it: then `child` still waits as long as the watched task has not finished.
    /// Nil when `child` must be evaluated in full.
    func watchedUpstream(run: Int64, child: String, finished upstream: String, state: TaskState, dag: CompiledDAG)
        -> String?
    {
        // A branch task's choice may skip its children whatever their rule: evaluate them.
        guard dag.task(upstream)?.branch != true, let position = dag.index[child],
            !dag[position].triggerRule.decidesEarly(on: state),
            let watch = watched.mutate({ $0[Key(run: run, task: position)] }), dag[watch].taskId != upstream
        else { return nil }
        return dag[watch].taskId
    }

    /// After an evaluation: each of `evaluated` that still waits (state `none`) with a wide fan-in
    /// watches the upstream task furthest from finishing; decided tasks are no longer watched.
    func record(
        run: Int64, dag: CompiledDAG, evaluated: some Sequence<Int>, states: [String: TaskState], decided: Set<String>
    ) {
        var changes: [Key: Int?] = [:]
        for position in evaluated where dag.upstream[position].count >= Self.minimumUpstream {
            let key = Key(run: run, task: position)
            let taskId = dag[position].taskId
            guard (states[taskId] ?? TaskState.none) == .none, !decided.contains(taskId) else {
                changes[key] = .some(nil)
                continue
            }
            changes[key] = .some(Self.furthestFromFinishing(dag.upstream[position], dag: dag, states: states))
        }
        guard !changes.isEmpty else { return }
        watched.mutate { watched in
            for (key, watch) in changes { watched[key] = watch }
        }
    }

    /// Forgets a finished run's watches.
    func forget(run: Int64) {
        watched.mutate { watched in watched = watched.filter { $0.key.run != run } }
    }

    /// Not started before waiting for a slot, before queued, before running; the last in the
    /// DAG's order among equals (ties are dispatched in order). Nil when all have finished.
    private static func furthestFromFinishing(_ upstream: [Int], dag: CompiledDAG, states: [String: TaskState])
        -> Int?
    {
        func progress(_ state: TaskState) -> Int? {
            switch state {
            case .none: 0
            case .scheduled, .upForRetry, .upForReschedule: 1
            case .queued: 2
            case .running: 3
            case .success, .failed, .skipped, .upstreamFailed: nil
            }
        }
        var best: (position: Int, progress: Int)?
        for position in upstream {
            guard let step = progress(states[dag[position].taskId] ?? .none) else { continue }
            if best == nil || step <= (best?.progress ?? 0) { best = (position, step) }
        }
        return best?.position
    }
}

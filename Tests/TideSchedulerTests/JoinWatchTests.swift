import Testing
import TideCore

@testable import TideScheduler

@Suite("Wide joins: the scheduler watches one unfinished upstream task")
struct JoinWatchTests {
    private static let width = 20
    private static let dag = CompiledDAG(
        DAG(
            dagId: "wide",
            tasks: (0..<width).map { TaskSpec(taskId: "leaf_\($0)", kind: .bash("true")) } + [
                TaskSpec(taskId: "join", upstream: (0..<width).map { "leaf_\($0)" }, kind: .bash("true")),
                TaskSpec(
                    taskId: "narrow", upstream: ["leaf_0", "leaf_1"], kind: .bash("true")),
            ]))
    private var join: Int { Self.dag.index["join"] ?? -1 }

    private func states(_ assign: [Int: TaskState]) -> [String: TaskState] {
        var states: [String: TaskState] = [:]
        for leaf in 0..<Self.width { states["leaf_\(leaf)"] = assign[leaf] ?? .running }
        return states
    }

    @Test func aWaitingJoinWatchesTheUpstreamTaskFurthestFromFinishing() {
        let watch = JoinWatch()
        // Leaves 3 and 12 not started yet, the rest running: the last of the least advanced.
        watch.record(
            run: 1, dag: Self.dag, evaluated: [join], states: states([3: .none, 12: .none, 5: .success]), decided: [])
        #expect(
            watch.watchedUpstream(run: 1, child: "join", finished: "leaf_5", state: .success, dag: Self.dag)
                == "leaf_12")
        // The watched task finishing, or a failure (all_success decides on it), means a full evaluation.
        #expect(
            watch.watchedUpstream(run: 1, child: "join", finished: "leaf_12", state: .success, dag: Self.dag) == nil)
        #expect(
            watch.watchedUpstream(run: 1, child: "join", finished: "leaf_5", state: .failed, dag: Self.dag) == nil)
        #expect(
            watch.watchedUpstream(run: 1, child: "join", finished: "leaf_5", state: .skipped, dag: Self.dag) == nil)
        // Other runs and narrow joins are not watched.
        #expect(
            watch.watchedUpstream(run: 2, child: "join", finished: "leaf_5", state: .success, dag: Self.dag) == nil)
        let narrow = Self.dag.index["narrow"] ?? -1
        watch.record(run: 1, dag: Self.dag, evaluated: [narrow], states: states([:]), decided: [])
        #expect(
            watch.watchedUpstream(run: 1, child: "narrow", finished: "leaf_0", state: .success, dag: Self.dag)
                == nil)
    }

    @Test func aDecidedOrFinishedRunsJoinIsNoLongerWatched() {
        let watch = JoinWatch()
        watch.record(run: 1, dag: Self.dag, evaluated: [join], states: states([:]), decided: [])
        #expect(
            watch.watchedUpstream(run: 1, child: "join", finished: "leaf_0", state: .success, dag: Self.dag) != nil)
        watch.record(run: 1, dag: Self.dag, evaluated: [join], states: states([:]), decided: ["join"])
        #expect(
            watch.watchedUpstream(run: 1, child: "join", finished: "leaf_0", state: .success, dag: Self.dag) == nil)

        watch.record(run: 1, dag: Self.dag, evaluated: [join], states: states([:]), decided: [])
        watch.forget(run: 1)
        #expect(
            watch.watchedUpstream(run: 1, child: "join", finished: "leaf_0", state: .success, dag: Self.dag) == nil)
    }
}

import Testing

@testable import TideCore

private func dag(_ tasks: [(String, [String], TaskKind)]) -> DAG {
    DAG(dagId: "d", tasks: tasks.map { TaskSpec(taskId: $0.0, upstream: $0.1, kind: $0.2) })
}

private let shell = TaskKind.bash("true")

@Suite("Dependency resolution")
struct DependencyResolverTests {
    @Test func aNewRunQueuesOnlyItsRoots() {
        let diamond = dag([("a", [], shell), ("b", ["a"], shell), ("c", ["a"], shell), ("d", ["b", "c"], shell)])
        let resolution = DependencyResolver.resolve(dag: diamond, states: [:])
        #expect(resolution.toQueue == ["a"])
        #expect(resolution.skipped.isEmpty && resolution.upstreamFailed.isEmpty)
    }

    @Test func aFinishedTaskReleasesOnlyReadyDownstream() {
        let diamond = dag([("a", [], shell), ("b", ["a"], shell), ("c", ["a"], shell), ("d", ["b", "c"], shell)])
        let states: [String: TaskState] = ["a": .success, "b": .success, "c": .running, "d": .none]
        let resolution = DependencyResolver.resolve(dag: diamond, states: states, frontier: ["d"])
        #expect(resolution.isEmpty)
        let done = DependencyResolver.resolve(
            dag: diamond, states: states.merging(["c": .success]) { $1 }, frontier: ["d"])
        #expect(done.toQueue == ["d"])
    }

    @Test func failurePropagatesDownTheWholeChain() {
        let chain = dag([("a", [], shell), ("b", ["a"], shell), ("c", ["b"], shell), ("side", [], shell)])
        let resolution = DependencyResolver.resolve(
            dag: chain, states: ["a": .failed, "side": .running], frontier: ["b"])
        #expect(resolution.upstreamFailed == ["b", "c"])
        #expect(resolution.toQueue.isEmpty)
    }

    @Test func skipPropagatesAndMixesWithFailure() {
        let graph = dag([
            ("s", [], shell), ("f", [], shell), ("after_s", ["s"], shell), ("join", ["after_s", "f"], shell),
        ])
        let resolution = DependencyResolver.resolve(
            dag: graph, states: ["s": .skipped, "f": .success], frontier: ["after_s"])
        #expect(resolution.skipped == ["after_s", "join"])
        let failed = DependencyResolver.resolve(
            dag: graph, states: ["s": .skipped, "f": .failed], frontier: ["after_s", "join"])
        #expect(failed.skipped == ["after_s"])
        #expect(failed.upstreamFailed == ["join"])
    }

    @Test func emptyTasksSucceedWithoutAWorkerAndReleaseTheirDownstream() {
        let graph = dag([
            ("start", [], .empty), ("a", ["start"], shell), ("b", ["start"], shell), ("end", ["a", "b"], .empty),
        ])
        let start = DependencyResolver.resolve(dag: graph, states: [:])
        #expect(start.emptySucceeded == ["start"])
        #expect(Set(start.toQueue) == ["a", "b"])
        let end = DependencyResolver.resolve(
            dag: graph, states: ["start": .success, "a": .success, "b": .success], frontier: ["end"])
        #expect(end.emptySucceeded == ["end"])
        #expect(end.toQueue.isEmpty)
    }

    @Test func tasksAlreadyDecidedAreLeftAlone() {
        let chain = dag([("a", [], shell), ("b", ["a"], shell)])
        let resolution = DependencyResolver.resolve(dag: chain, states: ["a": .success, "b": .queued], frontier: ["b"])
        #expect(resolution.isEmpty)
    }

    @Test func aCleanupTaskRunsAfterAFailureAndLeavesDecide() {
        let graph = DAG(
            dagId: "d",
            tasks: [
                TaskSpec(taskId: "work", kind: shell),
                TaskSpec(taskId: "cleanup", upstream: ["work"], kind: shell, triggerRule: .allDone),
                TaskSpec(taskId: "alert", upstream: ["work"], kind: shell, triggerRule: .oneFailed),
                TaskSpec(taskId: "publish", upstream: ["work"], kind: shell),
            ])
        let resolution = DependencyResolver.resolve(
            dag: graph, states: ["work": .failed], frontier: ["cleanup", "alert", "publish"])
        #expect(Set(resolution.toQueue) == ["cleanup", "alert"])
        #expect(resolution.upstreamFailed == ["publish"])
    }

    @Test func aBranchJoinRunsWhenOneBranchWasSkipped() {
        let graph = DAG(
            dagId: "d",
            tasks: [
                TaskSpec(taskId: "a", kind: shell), TaskSpec(taskId: "b", kind: shell),
                TaskSpec(taskId: "join", upstream: ["a", "b"], kind: shell, triggerRule: .noneFailedMinOneSuccess),
            ])
        #expect(
            DependencyResolver.resolve(dag: graph, states: ["a": .skipped, "b": .success], frontier: ["join"]).toQueue
                == ["join"])
        #expect(
            DependencyResolver.resolve(dag: graph, states: ["a": .skipped, "b": .skipped], frontier: ["join"]).skipped
                == ["join"])
    }

    @Test func dependsOnPastHoldsAReadyTaskBack() {
        let graph = DAG(dagId: "d", tasks: [TaskSpec(taskId: "load", kind: shell, dependsOnPast: true)])
        #expect(DependencyResolver.resolve(dag: graph, states: [:], pastNotMet: ["load"]).isEmpty)
        #expect(DependencyResolver.resolve(dag: graph, states: [:]).toQueue == ["load"])
    }

    @Test func relevantTasksCoverDownstreamAndTheirUpstreams() {
        let graph = dag([
            ("a", [], shell), ("b", ["a"], shell), ("x", [], shell), ("c", ["b", "x"], shell), ("z", [], shell),
        ])
        #expect(DependencyResolver.relevantTasks(dag: CompiledDAG(graph), frontier: ["b"]) == ["a", "b", "c", "x"])
    }

    @Test func descendantsAndAncestorsAreTransitive() {
        let graph = dag([
            ("a", [], shell), ("b", ["a"], shell), ("c", ["b"], shell), ("d", ["a"], shell), ("e", [], shell),
        ])
        #expect(DAGGraph.descendants(of: "a", in: graph) == ["b", "c", "d"])
        #expect(DAGGraph.descendants(of: "c", in: graph).isEmpty)
        #expect(DAGGraph.ancestors(of: "c", in: graph) == ["a", "b"])
    }

    @Test func cycleDetectionFindsNoCycleInALongChain() {
        let tasks = (0..<5000).map { TaskSpec(taskId: "t\($0)", upstream: $0 == 0 ? [] : ["t\($0 - 1)"], kind: shell) }
        #expect(DAGGraph.findCycle(tasks) == nil)
    }
}

import Testing

@testable import TideCore

@Suite("Compiled DAG")
struct CompiledDAGTests {
    private let diamond = DAG(
        dagId: "diamond",
        tasks: [
            TaskSpec(taskId: "a", kind: .bash("true")),
            TaskSpec(taskId: "b", upstream: ["a"], kind: .bash("true")),
            TaskSpec(taskId: "c", upstream: ["a"], kind: .bash("true"), dependsOnPast: true),
            TaskSpec(taskId: "d", upstream: ["b", "c"], kind: .bash("true")),
        ])

    @Test func indexesTasksAndBothDirectionsOfEveryEdge() {
        let compiled = CompiledDAG(diamond)
        #expect(compiled.index == ["a": 0, "b": 1, "c": 2, "d": 3])
        #expect(compiled.upstream == [[], [0], [0], [1, 2]])
        #expect(compiled.downstream == [[1, 2], [3], [3], []])
        #expect(compiled.children(of: "a") == ["b", "c"])
        #expect(compiled.children(of: "d").isEmpty)
        #expect(compiled.children(of: "missing").isEmpty)
        #expect(compiled.task("c")?.dependsOnPast == true)
        #expect(compiled.task("missing") == nil)
        #expect(compiled.anyDependsOnPast)
        #expect(!CompiledDAG(DAG(dagId: "x", tasks: [TaskSpec(taskId: "a", kind: .bash("true"))])).anyDependsOnPast)
    }

    @Test func relevantTasksOfAFrontierAreItsDownstreamAndTheirUpstream() {
        let compiled = CompiledDAG(diamond)
        #expect(DependencyResolver.relevantTasks(dag: compiled, frontier: ["b"]) == ["a", "b", "c", "d"])
        #expect(DependencyResolver.relevantTasks(dag: compiled, frontier: ["d"]) == ["b", "c", "d"])
        #expect(DependencyResolver.relevantTasks(dag: compiled, frontier: ["missing"]).isEmpty)
    }

    @Test func aWideJoinWaitsForItsLastUpstreamAndRunsAfterIt() {
        let leaves = (1...500).map { TaskSpec(taskId: "leaf_\($0)", upstream: ["root"], kind: .bash("true")) }
        let wide = CompiledDAG(
            DAG(
                dagId: "wide",
                tasks: [TaskSpec(taskId: "root", kind: .bash("true"))] + leaves
                    + [TaskSpec(taskId: "join", upstream: leaves.map(\.taskId), kind: .bash("true"))]))
        #expect(wide.upstream[501].count == 500)
        #expect(wide.downstream[0].count == 500)
        var states = Dictionary(uniqueKeysWithValues: leaves.map { ($0.taskId, TaskState.success) })
        states["root"] = .success
        states["leaf_250"] = .running
        #expect(DependencyResolver.resolve(dag: wide, states: states, frontier: ["join"]).isEmpty)
        states["leaf_250"] = .success
        #expect(DependencyResolver.resolve(dag: wide, states: states, frontier: ["join"]).toQueue == ["join"])
    }
}

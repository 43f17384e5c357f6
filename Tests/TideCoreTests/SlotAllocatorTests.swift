import Testing

@testable import TideCore

private func candidate(
    _ id: Int64, dag: String = "d", task: String? = nil, pool: String = "default_pool", slots: Int = 1,
    priority: Int = 1, age: Int64 = 0
)
    -> SlotAllocator.Candidate
{
    SlotAllocator.Candidate(
        id: id, dagId: dag, taskId: task ?? "t\(id)", pool: pool, poolSlots: slots, priority: priority, age: age)
}

private func limits(
    parallelism: Int = 100, dags: [String: Int] = [:], tasks: [TaskKey: Int] = [:],
    pools: [String: Int] = ["default_pool": 128]
) -> SlotAllocator.Limits {
    SlotAllocator.Limits(parallelism: parallelism, maxActiveTasks: dags, maxActivePerTask: tasks, pools: pools)
}

@Suite("Slot allocation")
struct SlotAllocatorTests {
    @Test func nodePoolMaxPodsCountsRunningPodsAndSparesOtherTasks() {
        var usage = SlotAllocator.Usage()
        usage.add(dagId: "d", taskId: "x", pool: "default_pool", poolSlots: 1, nodePool: "pool-1")
        var onPool = [1, 2, 3].map { id -> SlotAllocator.Candidate in
            var pod = candidate(Int64(id), priority: 10 - id)
            pod.nodePool = "pool-1"
            return pod
        }
        var otherPool = candidate(4)
        otherPool.nodePool = "pool-2"
        onPool += [otherPool, candidate(5)]
        var allowed = limits()
        allowed.nodePools = ["pool-1": 2]
        let picked = SlotAllocator.select(onPool, usage: usage, limits: allowed)
        #expect(picked.selected.map(\.id) == [1, 4, 5], "one pool-1 slot was free; pool-2 has no limit")
        #expect(picked.blocked == [2: .nodePoolFull, 3: .nodePoolFull])
    }

    @Test func higherPriorityFirstThenOlder() {
        let picked = SlotAllocator.select(
            [candidate(1, priority: 1, age: 1), candidate(2, priority: 9, age: 5), candidate(3, priority: 9, age: 2)],
            usage: .init(), limits: limits(parallelism: 2))
        #expect(picked.selected.map(\.id) == [3, 2])
        #expect(picked.blocked == [1: .parallelism])
    }

    @Test func parallelismCountsWhatIsAlreadyActive() {
        var usage = SlotAllocator.Usage()
        usage.add(dagId: "other", taskId: "x", pool: "default_pool", poolSlots: 1, count: 3)
        let picked = SlotAllocator.select([candidate(1), candidate(2)], usage: usage, limits: limits(parallelism: 4))
        #expect(picked.selected.map(\.id) == [1])
    }

    @Test func maxActiveTasksPerDAG() {
        var usage = SlotAllocator.Usage()
        usage.add(dagId: "d", taskId: "x", pool: "default_pool", poolSlots: 1)
        let picked = SlotAllocator.select(
            [candidate(1), candidate(2), candidate(3, dag: "e")], usage: usage, limits: limits(dags: ["d": 2]))
        #expect(picked.selected.map(\.id) == [1, 3])
        #expect(picked.blocked == [2: .maxActiveTasks])
    }

    @Test func maxActiveInstancesOfOneTaskAcrossRuns() {
        let picked = SlotAllocator.select(
            [candidate(1, task: "load"), candidate(2, task: "load"), candidate(3, task: "other")], usage: .init(),
            limits: limits(tasks: [TaskKey(dagId: "d", taskId: "load"): 1]))
        #expect(picked.selected.map(\.id) == [1, 3])
        #expect(picked.blocked == [2: .maxActivePerTask])
    }

    @Test func tasksWhoseDottedNamesJoinAlikeKeepTheirOwnLimits() {
        // DAG "a.b" task "c" and DAG "a" task "b.c" both read "a.b.c" when joined with a dot.
        var usage = SlotAllocator.Usage()
        usage.add(dagId: "a.b", taskId: "c", pool: "default_pool", poolSlots: 1)
        let picked = SlotAllocator.select(
            [candidate(1, dag: "a", task: "b.c")], usage: usage,
            limits: limits(tasks: [TaskKey(dagId: "a", taskId: "b.c"): 1, TaskKey(dagId: "a.b", taskId: "c"): 1]))
        #expect(picked.selected.map(\.id) == [1])
        #expect(picked.blocked.isEmpty)
    }

    @Test func poolsCountSlotsAndAFullPoolDoesNotBlockOthers() {
        let picked = SlotAllocator.select(
            [
                candidate(1, pool: "db", slots: 2, priority: 5), candidate(2, pool: "db", slots: 2, priority: 4),
                candidate(3, pool: "db", slots: 1, priority: 3), candidate(4, priority: 2),
                candidate(5, pool: "missing", priority: 9),
            ], usage: .init(), limits: limits(pools: ["db": 3, "default_pool": 128]))
        #expect(picked.selected.map(\.id) == [1, 3, 4])
        #expect(picked.blocked == [2: .poolFull, 5: .unknownPool])
    }

    @Test func aZeroSlotPoolHoldsItsTasks() {
        let picked = SlotAllocator.select(
            [candidate(1, pool: "off")], usage: .init(), limits: limits(pools: ["off": 0]))
        #expect(picked.selected.isEmpty)
    }
}

@Suite("Weight rules")
struct WeightRuleTests {
    private func dag(_ rule: WeightRule) -> DAG {
        DAG(
            dagId: "d",
            tasks: [
                TaskSpec(taskId: "a", priorityWeight: 1, kind: .empty, weightRule: rule),
                TaskSpec(taskId: "b", upstream: ["a"], priorityWeight: 2, kind: .empty, weightRule: rule),
                TaskSpec(taskId: "c", upstream: ["a"], priorityWeight: 3, kind: .empty, weightRule: rule),
                TaskSpec(taskId: "d", upstream: ["b", "c"], priorityWeight: 4, kind: .empty, weightRule: rule),
            ])
    }

    @Test func downstreamAddsEveryDescendantOnce() {
        #expect(dag(.downstream).effectivePriorities() == ["a": 10, "b": 6, "c": 7, "d": 4])
    }

    @Test func upstreamAddsEveryAncestorOnce() {
        #expect(dag(.upstream).effectivePriorities() == ["a": 1, "b": 3, "c": 4, "d": 10])
    }

    @Test func absoluteIsTheTasksOwnWeight() {
        #expect(dag(.absolute).effectivePriorities() == ["a": 1, "b": 2, "c": 3, "d": 4])
    }

    /// A task that names no rule takes the installation's default; a parsed DAG keeps "none named"
    /// (nil) so that the default in effect when a run starts applies.
    @Test func tasksWithoutARuleTakeTheDefaultRule() throws {
        var mixed = dag(.downstream)
        mixed.tasks[1].weightRule = nil
        mixed.tasks[2].weightRule = nil
        #expect(mixed.effectivePriorities() == ["a": 10, "b": 6, "c": 7, "d": 4])
        #expect(mixed.effectivePriorities(defaultRule: .absolute) == ["a": 10, "b": 2, "c": 3, "d": 4])
        #expect(mixed.effectivePriorities(defaultRule: .upstream) == ["a": 10, "b": 3, "c": 4, "d": 4])
        let parsed = try DAGParser.parse(yaml: "dag_id: d\ntasks:\n  - task_id: a\n    bash: echo\n", file: "d.yaml")
        #expect(parsed.task("a")?.weightRule == nil)
        let stored = try DAG.deserialize(parsed.serializedJSON())
        #expect(stored.task("a")?.weightRule == nil)
    }

    @Test func poolAndLimitSettingsAreReadAndChecked() throws {
        let parsed = try DAGParser.parse(
            yaml: """
                dag_id: d
                max_active_tasks: 4
                default_args: {pool: db, weight_rule: upstream}
                tasks:
                  - task_id: a
                    pool_slots: 2
                    max_active_tis_per_dag: 1
                    bash: echo
                """, file: "d.yaml")
        #expect(parsed.maxActiveTasks == 4)
        let task = try #require(parsed.task("a"))
        #expect((task.pool, task.poolSlots, task.maxActiveTisPerDag, task.weightRule) == ("db", 2, 1, .upstream))
        do {
            _ = try DAGParser.parse(
                yaml:
                    "dag_id: d\ntasks:\n  - task_id: a\n    weight_rule: downstrem\n    pool_slots: 0\n    bash: echo\n",
                file: "d.yaml")
            Issue.record("expected errors")
        } catch {
            #expect(
                error.issues.map(\.message) == [
                    "unknown weight_rule 'downstrem' in task 'a'", "pool_slots in task 'a' must be at least 1, got 0",
                ])
            #expect(error.issues.first?.hint == "did you mean 'downstream'?")
        }
    }
}

import Testing

@testable import TideCore

/// `tide doctor`'s capacity checks: each kind of disagreement between the settings is named with
/// what to change; settings that agree give one `ok`.
@Suite("Capacity review")
struct CapacityReviewTests {
    private func configuration(parallelism: Int = 16, pools: [NodePool] = []) -> TideConfiguration {
        var configuration = TideConfiguration()
        configuration.scheduler.parallelism = parallelism
        configuration.nodePools = pools
        return configuration
    }

    private func use(_ task: TaskSpec, dag: String = "d") -> CapacityReview.TaskUse {
        CapacityReview.TaskUse(dagId: dag, task: task)
    }

    private let twoWorkers = [
        CapacityReview.Worker(queues: ["default"], slots: 8), CapacityReview.Worker(queues: ["default"], slots: 8),
    ]

    private func review(
        _ configuration: TideConfiguration, workers: [CapacityReview.Worker]? = nil,
        pools: [String: Int] = ["default_pool": 128], tasks: [TaskSpec] = [TaskSpec(taskId: "a", kind: .bash("true"))]
    ) -> [DoctorFinding] {
        CapacityReview.findings(
            configuration: configuration, workers: workers ?? twoWorkers, pools: pools, tasks: tasks.map { use($0) })
    }

    @Test func settingsThatAgreeGiveOneOK() {
        let found = review(configuration())
        #expect(found.map(\.severity) == [.ok])
        #expect(found.first?.message.hasPrefix("worker slots, parallelism, pools, queues and node pools agree") == true)
    }

    @Test func parallelismAboveTheWorkersSlotsIsAWarningWithBothFixes() throws {
        let found = try #require(review(configuration(parallelism: 32)).first)
        #expect(found.severity == .warning)
        #expect(
            found.message
                == "scheduler.parallelism is 32 but the live workers (2 now) have 16 slots: at most 16 tasks run at once until more start"
        )
        #expect(
            found.fix?.contains(
                "lower scheduler.parallelism (to 16, or to the workers' autoscaling maximum × concurrency)") == true)
    }

    @Test func slotsAboveParallelismStayIdle() {
        #expect(review(configuration(parallelism: 8)).first?.message.hasSuffix("8 slots stay idle") == true)
    }

    @Test func noLiveWorkerIsAWarning() {
        #expect(
            review(configuration(), workers: []).map(\.message) == [
                "no live worker: queued tasks wait until one starts"
            ])
    }

    @Test func aQueueNoWorkerPopsIsNamedWithItsTasks() {
        let heavy = TaskSpec(taskId: "crunch", queue: "heavy", kind: .bash("true"))
        let found = review(configuration(), tasks: [heavy])
        #expect(found.map(\.severity) == [.warning])
        #expect(
            found.first?.message
                == "no live worker pops queue 'heavy' (used by 1 task: d.crunch): its tasks wait queued")
        #expect(found.first?.fix == "start a worker with --queues heavy (or add it to worker.queues)")
    }

    @Test func missingEmptyAndTooSmallPoolsAreErrors() {
        let tasks = [
            TaskSpec(taskId: "a", kind: .bash("true"), pool: "warehouse"),
            TaskSpec(taskId: "b", kind: .bash("true"), pool: "closed"),
            TaskSpec(taskId: "c", kind: .bash("true"), pool: "narrow", poolSlots: 3),
        ]
        let found = review(configuration(), pools: ["closed": 0, "narrow": 2], tasks: tasks)
        #expect(found.allSatisfy { $0.severity == .error })
        #expect(
            found.map(\.message) == [
                "pool 'closed' has 0 slots (used by 1 task: d.b): its tasks never run",
                "pool 'narrow' has 2 slots but d.c need 3: they never run",
                "pool 'warehouse' does not exist (used by 1 task: d.a): its tasks never run",
            ])
        #expect(found.last?.fix == "tide pools set warehouse SLOTS")
    }

    @Test func aPoolLargerThanParallelismIsAWarning() {
        let task = TaskSpec(taskId: "a", kind: .bash("true"), pool: "big")
        let found = review(configuration(), pools: ["big": 64], tasks: [task])
        #expect(
            found.map(\.message) == [
                "pool 'big' has 64 slots but scheduler.parallelism is 16: at most 16 of them are ever used"
            ])
    }

    @Test func nodePoolsMaxPodsBeyondItsNodesAndPodsBiggerThanANodeAreNamed() {
        var pool = NodePool(name: "pool-1", maxPods: 500)
        pool.nodeShape = NodePool.NodeShape(cpuMillicores: 4000, memoryBytes: 16 * 1_073_741_824, pods: 110)
        pool.maxNodes = 3
        var big = KubernetesPodTask(image: "trainer")
        big.nodePool = "pool-1"
        big.resources = ["requests": ["cpu": "6"]]
        var small = KubernetesPodTask(image: "etl")
        small.nodePool = "pool-1"
        var configuration = configuration(pools: [pool])
        let tasks = [
            TaskSpec(taskId: "train", kind: .kubernetesPod(big)), TaskSpec(taskId: "etl", kind: .kubernetesPod(small)),
        ]
        var found = review(configuration, tasks: tasks)
        #expect(
            found.map(\.message) == [
                "node pool 'pool-1': max_pods is 500 but 3 nodes × 110 pods hold 330: the rest stay Pending",
                "node pool 'pool-1': pods larger than a node (1 task; d.train requests 6000m cpu, a node has 4000m): they never schedule",
            ])
        #expect(found.map(\.severity) == [.warning, .error])
        // Site-wide pod defaults count too: a memory default above the node's makes every pod too big.
        configuration.nodePools[0].maxPods = nil
        configuration.kubernetes.podDefaults.resources = ["requests": ["memory": "32Gi"]]
        found = review(configuration, tasks: [tasks[1]])
        #expect(
            found.map(\.message) == [
                "node pool 'pool-1': pods larger than a node (1 task; d.etl requests 32.0 GiB memory, a node has 16.0 GiB): they never schedule"
            ])
    }
}

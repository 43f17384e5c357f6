/// The capacity settings checked against each other and against the node pools: worker slots,
/// `parallelism`, pool slots, queues, node-pool `max_pods`, node shapes and what pods request.
/// Pure: `tide doctor` reads the live workers, pools and DAGs and passes them in.
public enum CapacityReview {
    /// A live worker: the queues it pops and its slots.
    public struct Worker: Sendable, Hashable {
        public var queues: [String]
        public var slots: Int
        public init(queues: [String], slots: Int) {
            self.queues = queues
            self.slots = slots
        }
    }

    /// One task of an active DAG, as far as capacity goes.
    public struct TaskUse: Sendable, Hashable {
        public var dagId: String
        public var task: TaskSpec
        public init(dagId: String, task: TaskSpec) {
            self.dagId = dagId
            self.task = task
        }
        var name: String { "\(dagId).\(task.taskId)" }
    }

    public static func findings(
        configuration: TideConfiguration, workers: [Worker], pools: [String: Int], tasks: [TaskUse]
    ) -> [DoctorFinding] {
        var found: [DoctorFinding] = []
        found += slots(configuration: configuration, workers: workers)
        found += queues(workers: workers, tasks: tasks)
        found += taskPools(pools: pools, parallelism: configuration.scheduler.parallelism, tasks: tasks)
        found += nodePools(configuration: configuration, tasks: tasks)
        if found.isEmpty {
            found.append(
                DoctorFinding(
                    .ok, "capacity",
                    "worker slots, parallelism, pools, queues and node pools agree (\(workers.count) live workers, \(Self.tasks(tasks.count)))"
                ))
        }
        return found
    }

    static func slots(configuration: TideConfiguration, workers: [Worker]) -> [DoctorFinding] {
        let parallelism = configuration.scheduler.parallelism
        let slots = workers.reduce(0) { $0 + $1.slots }
        guard !workers.isEmpty else {
            return [
                DoctorFinding(
                    .warning, "capacity", "no live worker: queued tasks wait until one starts",
                    fix: "start workers (tide worker, or the chart's worker Deployment)")
            ]
        }
        if slots < parallelism {
            return [
                DoctorFinding(
                    .warning, "capacity",
                    "scheduler.parallelism is \(parallelism) but the live workers (\(workers.count) now) have \(slots) slots: at most \(slots) tasks run at once until more start",
                    fix:
                        "run more workers or raise worker.concurrency (workers × concurrency ≥ \(parallelism)), or lower scheduler.parallelism (to \(slots), or to the workers' autoscaling maximum × concurrency)"
                )
            ]
        }
        if slots > parallelism {
            return [
                DoctorFinding(
                    .warning, "capacity",
                    "the live workers (\(workers.count) now) have \(slots) slots but scheduler.parallelism is \(parallelism): \(slots - parallelism) slots stay idle",
                    fix: "raise scheduler.parallelism to \(slots), or run fewer workers")
            ]
        }
        return []
    }

    static func queues(workers: [Worker], tasks: [TaskUse]) -> [DoctorFinding] {
        guard !workers.isEmpty else { return [] }
        let served = Set(workers.flatMap(\.queues))
        let byQueue = Dictionary(grouping: tasks.filter { !served.contains($0.task.queue) }, by: \.task.queue)
        return byQueue.keys.sorted().map { queue in
            let names = byQueue[queue, default: []].map(\.name)
            return DoctorFinding(
                .warning, "capacity",
                "no live worker pops queue '\(queue)' (used by \(Self.tasks(names.count)): \(sample(names))): its tasks wait queued",
                fix: "start a worker with --queues \(queue) (or add it to worker.queues)")
        }
    }

    static func taskPools(pools: [String: Int], parallelism: Int, tasks: [TaskUse]) -> [DoctorFinding] {
        var found: [DoctorFinding] = []
        let byPool = Dictionary(grouping: tasks, by: \.task.pool)
        for pool in byPool.keys.sorted() {
            let users = byPool[pool, default: []]
            let names = users.map(\.name)
            guard let size = pools[pool] else {
                found.append(
                    DoctorFinding(
                        .error, "capacity",
                        "pool '\(pool)' does not exist (used by \(Self.tasks(names.count)): \(sample(names))): its tasks never run",
                        fix: "tide pools set \(pool) SLOTS"))
                continue
            }
            if size == 0 {
                found.append(
                    DoctorFinding(
                        .error, "capacity",
                        "pool '\(pool)' has 0 slots (used by \(Self.tasks(names.count)): \(sample(names))): its tasks never run",
                        fix: "tide pools set \(pool) SLOTS (at least 1)"))
                continue
            }
            let tooBig = users.filter { $0.task.poolSlots > size }
            if !tooBig.isEmpty {
                let widest = tooBig.map(\.task.poolSlots).max() ?? 0
                found.append(
                    DoctorFinding(
                        .error, "capacity",
                        "pool '\(pool)' has \(size) slots but \(sample(tooBig.map(\.name))) need \(widest): they never run",
                        fix: "tide pools set \(pool) \(widest), or lower their pool_slots"))
            }
            if size > parallelism, pool != "default_pool" {
                found.append(
                    DoctorFinding(
                        .warning, "capacity",
                        "pool '\(pool)' has \(size) slots but scheduler.parallelism is \(parallelism): at most \(parallelism) of them are ever used",
                        fix: "lower the pool to \(parallelism) slots or raise scheduler.parallelism"))
            }
        }
        return found
    }

    static func nodePools(configuration: TideConfiguration, tasks: [TaskUse]) -> [DoctorFinding] {
        var found: [DoctorFinding] = []
        let defaults = configuration.kubernetes.podDefaults
        for pool in configuration.nodePools {
            guard let shape = pool.nodeShape else { continue }
            if let maxPods = pool.maxPods, let maxNodes = pool.maxNodes, maxPods > maxNodes * shape.pods {
                found.append(
                    DoctorFinding(
                        .warning, "capacity",
                        "node pool '\(pool.name)': max_pods is \(maxPods) but \(maxNodes) nodes × \(shape.pods) pods hold \(maxNodes * shape.pods): the rest stay Pending",
                        fix: "lower max_pods to \(maxNodes * shape.pods) or raise max_nodes"))
            }
            let onPool = tasks.filter { podPool(of: $0.task) == pool.name }
            var oversized: [(String, String)] = []
            for use in onPool {
                guard let requests = use.task.podRequests(pool: pool, defaults: defaults) else { continue }
                if requests.cpuMillicores > shape.cpuMillicores {
                    oversized.append((use.name, "\(requests.cpuMillicores)m cpu, a node has \(shape.cpuMillicores)m"))
                } else if requests.memoryBytes > shape.memoryBytes {
                    oversized.append(
                        (use.name, "\(bytes(requests.memoryBytes)) memory, a node has \(bytes(shape.memoryBytes))"))
                }
            }
            if let first = oversized.first {
                found.append(
                    DoctorFinding(
                        .error, "capacity",
                        "node pool '\(pool.name)': pods larger than a node (\(Self.tasks(oversized.count)); \(first.0) requests \(first.1)): they never schedule",
                        fix:
                            "lower their resources (or kubernetes.pod_defaults / the pool's default_resources), or give node_shape a bigger machine"
                    ))
            }
        }
        return found
    }

    private static func podPool(of task: TaskSpec) -> String? {
        if case .kubernetesPod(let pod) = task.kind { return pod.nodePool }
        return task.executor?.nodePool
    }

    private static func tasks(_ count: Int) -> String { count == 1 ? "1 task" : "\(count) tasks" }

    private static func sample(_ names: [String]) -> String {
        let sorted = names.sorted()
        return sorted.prefix(3).joined(separator: ", ") + (sorted.count > 3 ? ", …" : "")
    }

    private static func bytes(_ value: Double) -> String {
        value >= 1_073_741_824
            ? "\(String(format: "%.1f", value / 1_073_741_824)) GiB" : "\(Int(value / 1_048_576)) MiB"
    }
}

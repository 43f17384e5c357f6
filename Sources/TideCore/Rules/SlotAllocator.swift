/// Chooses which ready (`scheduled`) task instances may be queued now without exceeding any limit.
///
/// Candidates are taken in order of effective priority (highest first), then age (oldest first).
/// A candidate that does not fit is skipped and the next one is considered, so a full pool does
/// not hold back tasks of other pools. This is the pure core of the scheduler's dispatch step,
/// which runs it inside a critical section shared by all schedulers.
public enum SlotAllocator {
    /// A ready task instance.
    public struct Candidate: Sendable, Hashable {
        public var id: Int64
        public var dagId: String
        public var taskId: String
        public var pool: String
        public var poolSlots: Int
        public var priority: Int
        /// Orders candidates of equal priority: smaller is older.
        public var age: Int64
        /// The node pool a pod task runs on, whose `max_pods` it counts against.
        public var nodePool: String?
        /// The queue its tries go to (reported with the reason it waits).
        public var queue: String

        public init(
            id: Int64, dagId: String, taskId: String, pool: String, poolSlots: Int, priority: Int, age: Int64,
            nodePool: String? = nil, queue: String = "default"
        ) {
            self.queue = queue
            self.id = id
            self.dagId = dagId
            self.taskId = taskId
            self.pool = pool
            self.poolSlots = poolSlots
            self.priority = priority
            self.age = age
            self.nodePool = nodePool
        }
    }

    /// The limits in force. A missing entry means no limit of that kind (pools: see `pools`).
    public struct Limits: Sendable {
        /// Most task instances queued or running in the whole installation.
        public var parallelism: Int
        /// Per DAG: most task instances queued or running across its runs (`max_active_tasks`).
        public var maxActiveTasks: [String: Int]
        /// Per task: most instances of it queued or running across runs (`max_active_tis_per_dag`).
        public var maxActivePerTask: [TaskKey: Int]
        /// Pool sizes in slots. A task whose pool is not here waits (and is reported).
        public var pools: [String: Int]
        /// Per node pool: most pod tasks queued or running on it (`max_pods`); absent means no limit.
        public var nodePools: [String: Int]

        public init(
            parallelism: Int, maxActiveTasks: [String: Int], maxActivePerTask: [TaskKey: Int], pools: [String: Int],
            nodePools: [String: Int] = [:]
        ) {
            self.parallelism = parallelism
            self.maxActiveTasks = maxActiveTasks
            self.maxActivePerTask = maxActivePerTask
            self.pools = pools
            self.nodePools = nodePools
        }
    }

    /// What is queued or running now.
    public struct Usage: Sendable {
        public var total = 0
        public var perDag: [String: Int] = [:]
        public var perTask: [TaskKey: Int] = [:]
        /// Slots taken per pool.
        public var perPool: [String: Int] = [:]
        /// Pod tasks per node pool.
        public var perNodePool: [String: Int] = [:]

        public init() {}

        public mutating func add(
            dagId: String, taskId: String, pool: String, poolSlots: Int, nodePool: String? = nil, count: Int = 1
        ) {
            total += count
            perDag[dagId, default: 0] += count
            perTask[TaskKey(dagId: dagId, taskId: taskId), default: 0] += count
            perPool[pool, default: 0] += poolSlots * count
            if let nodePool { perNodePool[nodePool, default: 0] += count }
        }
    }

    /// Why a candidate was not chosen.
    public enum Block: String, Sendable, Hashable {
        case parallelism, maxActiveTasks = "max_active_tasks", maxActivePerTask = "max_active_tis_per_dag"
        case poolFull = "pool_full", unknownPool = "unknown_pool"
        /// The node pool already runs its `max_pods` pod tasks.
        case nodePoolFull = "node_pool_full"
    }

    /// Dispatch order: higher priority first, then older, then the lower id.
    public static func precedes(_ a: Candidate, _ b: Candidate) -> Bool {
        (a.priority, -a.age, -a.id) > (b.priority, -b.age, -b.id)
    }

    /// The candidates to queue now, in dispatch order, and why each other one waits.
    public static func select(_ candidates: [Candidate], usage: Usage, limits: Limits) -> (
        selected: [Candidate], blocked: [Int64: Block]
    ) {
        var usage = usage
        var selected: [Candidate] = []
        var blocked: [Int64: Block] = [:]
        let ordered = candidates.sorted(by: precedes)
        for candidate in ordered {
            let taskKey = TaskKey(dagId: candidate.dagId, taskId: candidate.taskId)
            if usage.total >= limits.parallelism {
                blocked[candidate.id] = .parallelism
            } else if let limit = limits.maxActiveTasks[candidate.dagId],
                usage.perDag[candidate.dagId, default: 0] >= limit
            {
                blocked[candidate.id] = .maxActiveTasks
            } else if let limit = limits.maxActivePerTask[taskKey], usage.perTask[taskKey, default: 0] >= limit {
                blocked[candidate.id] = .maxActivePerTask
            } else if let nodePool = candidate.nodePool, let limit = limits.nodePools[nodePool],
                usage.perNodePool[nodePool, default: 0] >= limit
            {
                blocked[candidate.id] = .nodePoolFull
            } else if let size = limits.pools[candidate.pool] {
                if usage.perPool[candidate.pool, default: 0] + candidate.poolSlots > size {
                    blocked[candidate.id] = .poolFull
                    continue
                }
                usage.add(
                    dagId: candidate.dagId, taskId: candidate.taskId, pool: candidate.pool,
                    poolSlots: candidate.poolSlots, nodePool: candidate.nodePool)
                selected.append(candidate)
            } else {
                blocked[candidate.id] = .unknownPool
            }
        }
        return (selected, blocked)
    }
}

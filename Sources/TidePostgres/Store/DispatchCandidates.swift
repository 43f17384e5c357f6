import TideCore

/// The task instances one dispatch considers, read from two kinds of rows: those already
/// `scheduled` (waiting from an earlier pass) and those that became ready since (still `none`,
/// `up_for_retry` or `up_for_reschedule`), with the limits their DAGs set.
struct DispatchCandidates {
    /// The first `limit` in dispatch order (``SlotAllocator/precedes(_:_:)``), not themselves
    /// ordered: the allocator orders what it is given.
    private(set) var candidates: [SlotAllocator.Candidate] = []
    /// The ready task instances that were not yet `scheduled` when read.
    private(set) var newlyReady: Set<Int64> = []
    /// Newly ready task instances beyond the candidate limit: scheduled, not considered this pass.
    private(set) var deferred: [Int64] = []
    /// The held reason each already-scheduled candidate has stored.
    private(set) var storedHeldReasons: [Int64: String] = [:]
    private(set) var maxActiveTasks: [String: Int] = [:]
    private(set) var maxActivePerTask: [TaskKey: Int] = [:]

    /// The columns both reads return, in the names ``init(scheduled:newlyReady:limit:)`` reads.
    static let columns = """
        ti.id, ti.dag_id, ti.task_id, ti.pool, ti.pool_slots, ti.priority_weight, ti.node_pool, ti.queue,
        d.max_active_tasks, (d.task_limits ->> ti.task_id)::integer AS task_limit
        """

    /// Merges both reads and keeps the first `limit` in dispatch order; newly ready rows past it
    /// are ``deferred``. Already-scheduled rows come with their `held_reason` and `age` (when they
    /// were scheduled); newly ready ones with `age` the time of the read, after every earlier one.
    init(scheduled: [PGRow], newlyReady: [PGRow], limit: Int) {
        var merged = scheduled.compactMap { read($0, newlyReady: false) }
        merged += newlyReady.compactMap { read($0, newlyReady: true) }
        // Only when both reads together exceed the limit must they be ordered here.
        if merged.count > limit {
            merged.sort(by: SlotAllocator.precedes)
            deferred = merged[limit...].map(\.id).filter { self.newlyReady.contains($0) }
            merged.removeSubrange(limit...)
        }
        candidates = merged
    }

    private mutating func read(_ row: PGRow, newlyReady ready: Bool) -> SlotAllocator.Candidate? {
        guard let id = row.int64("id"), let dagId = row["dag_id"], let taskId = row["task_id"], let pool = row["pool"]
        else { return nil }
        if ready {
            newlyReady.insert(id)
        } else if let reason = row["held_reason"] {
            storedHeldReasons[id] = reason
        }
        maxActiveTasks[dagId] = row.int("max_active_tasks")
        if let limit = row.int("task_limit") { maxActivePerTask[TaskKey(dagId: dagId, taskId: taskId)] = limit }
        return SlotAllocator.Candidate(
            id: id, dagId: dagId, taskId: taskId, pool: pool, poolSlots: row.int("pool_slots") ?? 1,
            priority: row.int("priority_weight") ?? 1, age: row.int64("age") ?? 0, nodePool: row["node_pool"],
            queue: row["queue"] ?? "default")
    }
}

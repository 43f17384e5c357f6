import TideCore

extension TaskInstanceStore {
    /// The limits dispatch enforces besides pools (which are read from the `pools` table).
    public struct DispatchLimits: Sendable {
        public var parallelism: Int
        public var maxActiveTasks: [String: Int]
        public var maxActivePerTask: [String: Int]

        public init(parallelism: Int, maxActiveTasks: [String: Int], maxActivePerTask: [String: Int]) {
            self.parallelism = parallelism
            self.maxActiveTasks = maxActiveTasks
            self.maxActivePerTask = maxActivePerTask
        }
    }

    /// What a dispatch did.
    public struct Dispatch: Sendable {
        /// Tries moved to `queued`: push these messages.
        public var queued: [QueuedTry] = []
        /// Ready task instances left waiting, by reason.
        public var waiting: [SlotAllocator.Block: Int] = [:]
    }

    /// The critical section: picks ready task instances in priority order, then age, that fit every
    /// limit, and queues them. A transaction-scoped advisory lock makes schedulers take turns, so
    /// the counts it reads cannot change under it and no limit is ever exceeded.
    public func dispatch(limits: DispatchLimits, batch: Int = 2000) async throws -> Dispatch {
        try await pool.transaction { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext('tide-dispatch:' || current_schema()))", context: "dispatch lock"
            )
            let candidates = try await connection.query(
                """
                SELECT id, dag_id, task_id, pool, pool_slots, priority_weight,
                       (extract(epoch FROM scheduled_at) * 1000000)::bigint AS age
                FROM task_instances WHERE state = 'scheduled' ORDER BY priority_weight DESC, scheduled_at, id LIMIT $1
                """, [String(batch)], context: "read ready tasks"
            ).rows.compactMap { row -> SlotAllocator.Candidate? in
                guard let id = row.int64("id"), let dagId = row["dag_id"], let taskId = row["task_id"],
                    let pool = row["pool"]
                else { return nil }
                return SlotAllocator.Candidate(
                    id: id, dagId: dagId, taskId: taskId, pool: pool, poolSlots: row.int("pool_slots") ?? 1,
                    priority: row.int("priority_weight") ?? 1, age: row.int64("age") ?? 0)
            }
            guard !candidates.isEmpty else { return Dispatch() }
            var usage = SlotAllocator.Usage()
            for row in try await connection.query(
                """
                SELECT dag_id, task_id, pool, pool_slots, count(*) AS n FROM task_instances
                WHERE state IN ('queued', 'running') GROUP BY dag_id, task_id, pool, pool_slots
                """, context: "count active tasks"
            ).rows {
                if let dagId = row["dag_id"], let taskId = row["task_id"], let pool = row["pool"] {
                    usage.add(
                        dagId: dagId, taskId: taskId, pool: pool, poolSlots: row.int("pool_slots") ?? 1,
                        count: row.int("n") ?? 0)
                }
            }
            var pools: [String: Int] = [:]
            for row in try await connection.query("SELECT name, slots FROM pools", context: "read pools").rows {
                if let name = row["name"], let slots = row.int("slots") { pools[name] = slots }
            }
            let choice = SlotAllocator.select(
                candidates, usage: usage,
                limits: SlotAllocator.Limits(
                    parallelism: limits.parallelism, maxActiveTasks: limits.maxActiveTasks,
                    maxActivePerTask: limits.maxActivePerTask, pools: pools))
            var result = Dispatch()
            for reason in choice.blocked.values { result.waiting[reason, default: 0] += 1 }
            guard !choice.selected.isEmpty else { return result }
            result.queued = try await Self.queue(choice.selected.map(\.id), on: connection)
            return result
        }
    }
}

import TideCore

extension TaskInstanceStore {
    /// The limits dispatch enforces besides pools (read from the `pools` table) and the DAGs' own
    /// `max_active_tasks` and `max_active_tis_per_dag` (read with the candidates, from the current
    /// version of each active DAG, so a changed definition applies at once).
    public struct DispatchLimits: Sendable {
        public var parallelism: Int
        /// Node pool → `max_pods`.
        public var nodePoolMaxPods: [String: Int]

        public init(parallelism: Int, nodePoolMaxPods: [String: Int] = [:]) {
            self.parallelism = parallelism
            self.nodePoolMaxPods = nodePoolMaxPods
        }
    }

    /// What a dispatch did.
    public struct Dispatch: Sendable {
        /// Tries moved to `queued`: push these messages.
        public var queued: [QueuedTry] = []
        /// Ready task instances left waiting, by queue and reason.
        public var waiting: [Waiting: Int] = [:]
        /// The newly ready task instances left waiting, not marked yet: ``schedule(_:)`` marks them
        /// `scheduled`, after the queued tries have been pushed.
        public var held = HeldTries()
    }

    /// Newly ready task instances a dispatch left waiting, each with the limit that holds it (nil:
    /// past the candidates a pass considers).
    public struct HeldTries: Sendable, Equatable {
        public var ids: [Int64] = []
        public var reasons: [SlotAllocator.Block?] = []

        public var isEmpty: Bool { ids.isEmpty }

        public init(ids: [Int64] = [], reasons: [SlotAllocator.Block?] = []) {
            self.ids = ids
            self.reasons = reasons
        }

        mutating func append(_ id: Int64, reason: SlotAllocator.Block?) {
            ids.append(id)
            reasons.append(reason)
        }
    }

    /// Why ready task instances of a queue wait.
    public struct Waiting: Sendable, Hashable, CustomStringConvertible {
        public var queue: String
        public var reason: SlotAllocator.Block

        public var description: String { "\(queue)/\(reason.rawValue)" }
    }

    /// The critical section: picks the `scheduled` task instances and the newly `ready` ones, in
    /// priority order, then age, that fit every limit, and queues them; a ready task instance that
    /// fits goes to `queued` in one update, without a `scheduled` step. The ready ones it does not
    /// queue come back in ``Dispatch/held``, for ``schedule(_:)`` once the queued tries are pushed
    /// (so that the first tasks of a wide fan-out do not wait for the rest to be marked; until then
    /// they hold no slot, and a full pass finds them again if the scheduler stops in between). A
    /// transaction-scoped advisory lock makes schedulers take turns, so the counts it reads cannot
    /// change under it and no limit is ever exceeded. It costs two round trips (libpq pipelines):
    /// one reads, one writes. At most ``candidateLimit(parallelism:)`` candidates are considered per
    /// pass; more wait for the next.
    public func dispatch(ready: [Int64] = [], limits: DispatchLimits) async throws -> Dispatch {
        try await pool.withConnection { connection in
            do {
                return try await dispatch(ready: ready, limits: limits, on: connection)
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    /// Twice what `parallelism` could let through, at least 128 (room for candidates held back by a
    /// pool or task limit), at most 512 (so a pass stays cheap when thousands of tasks are ready).
    static func candidateLimit(parallelism: Int) -> Int { min(512, max(2 * parallelism, 128)) }

    private func dispatch(ready: [Int64], limits: DispatchLimits, on connection: PGConnection) async throws -> Dispatch
    {
        typealias Statement = PGConnection.Statement
        let limit = Self.candidateLimit(parallelism: limits.parallelism)
        var reads = [
            Statement("BEGIN"),
            Statement(
                "SELECT pg_advisory_xact_lock(hashtext('tide-dispatch:' || current_schema()))", context: "dispatch lock"
            ),
            Statement(
                """
                SELECT 'active' AS kind, dag_id, task_id, pool, pool_slots, node_pool, count(*) AS n FROM task_instances
                WHERE state IN \(TaskState.holdingSlotSQLList) GROUP BY dag_id, task_id, pool, pool_slots, node_pool
                UNION ALL
                SELECT 'pool', NULL, NULL, name, slots, NULL, 0 FROM pools
                """, context: "count active tasks and pools"),
            Statement(
                """
                SELECT \(DispatchCandidates.columns), ti.held_reason,
                       (extract(epoch FROM ti.scheduled_at) * 1000000)::bigint AS age
                FROM task_instances ti LEFT JOIN dags d ON d.dag_id = ti.dag_id AND d.is_active
                WHERE ti.state = 'scheduled' ORDER BY ti.priority_weight DESC, ti.scheduled_at, ti.id LIMIT $1
                """, [String(limit)], context: "read scheduled tasks"),
        ]
        if !ready.isEmpty {
            // One time for all of them (an uncorrelated subquery runs once), so ties among them go by id.
            reads.append(
                Statement(
                    """
                    SELECT \(DispatchCandidates.columns),
                           (extract(epoch FROM (SELECT clock_timestamp())) * 1000000)::bigint AS age
                    FROM task_instances ti LEFT JOIN dags d ON d.dag_id = ti.dag_id AND d.is_active
                    WHERE ti.id = ANY($1::bigint[]) AND \(TaskInstanceMachine.sqlSourcesGuard(of: .schedule, column: "ti.state"))
                    """, [PGArray.literal(ready)], context: "read ready tasks"))
        }
        let results = try await connection.pipeline(reads)
        var usage = SlotAllocator.Usage()
        var pools: [String: Int] = [:]
        for row in results[2].rows {
            guard let pool = row["pool"], let slots = row.int("pool_slots") else { continue }
            if row["kind"] == "pool" {
                pools[pool] = slots
            } else if let dagId = row["dag_id"], let taskId = row["task_id"] {
                usage.add(
                    dagId: dagId, taskId: taskId, pool: pool, poolSlots: slots, nodePool: row["node_pool"],
                    count: row.int("n") ?? 0)
            }
        }
        let read = DispatchCandidates(
            scheduled: results[3].rows, newlyReady: ready.isEmpty ? [] : results[4].rows, limit: limit)
        let choice = SlotAllocator.select(
            read.candidates, usage: usage,
            limits: SlotAllocator.Limits(
                parallelism: limits.parallelism, maxActiveTasks: read.maxActiveTasks,
                maxActivePerTask: read.maxActivePerTask, pools: pools, nodePools: limits.nodePoolMaxPods))
        var result = Dispatch()
        let queues = Dictionary(read.candidates.map { ($0.id, $0.queue) }, uniquingKeysWith: { first, _ in first })
        for (id, reason) in choice.blocked {
            result.waiting[Waiting(queue: queues[id] ?? "default", reason: reason), default: 0] += 1
        }
        // Each held try remembers the limit that holds it (sent and written only when it changes: most
        // held tries are held again by the same limit pass after pass), for the Gantt chart.
        var heldBy: [String: [Int64]] = [:]
        for id in read.deferred { result.held.append(id, reason: nil) }
        for (id, reason) in choice.blocked {
            if read.newlyReady.contains(id) {
                result.held.append(id, reason: reason)
            } else if read.storedHeldReasons[id] != reason.rawValue {
                heldBy[reason.rawValue, default: []].append(id)
            }
        }
        var writes = heldBy.sorted { $0.key < $1.key }.map { reason, ids in
            Statement(
                """
                UPDATE task_instances SET held_reason = $2
                WHERE id = ANY($1::bigint[]) AND held_reason IS DISTINCT FROM $2
                """, [PGArray.literal(ids), reason], context: "record held tries")
        }
        let queuesAny = !choice.selected.isEmpty
        if queuesAny {
            writes.append(
                Statement(
                    Self.queueSQL, [PGArray.literal(choice.selected.map(\.id))], context: "queue task instances"))
        }
        writes.append(Statement("COMMIT"))
        let written = try await connection.pipeline(writes)
        if queuesAny { result.queued = written[written.count - 2].rows.compactMap(Self.queuedTry) }
        return result
    }

    /// Marks the newly ready task instances a dispatch left waiting `scheduled`, each with the limit
    /// that holds it, in one statement; one that has moved on since (a clear, a timed-out run) is
    /// left alone.
    public func schedule(_ held: HeldTries) async throws {
        guard !held.isEmpty else { return }
        try await pool.query(
            """
            UPDATE task_instances ti SET state = 'scheduled', scheduled_at = clock_timestamp(),
                next_retry_at = NULL, held_reason = held.reason
            FROM unnest($1::bigint[], $2::text[]) AS held(id, reason)
            -- ti.id = ANY($1) repeats the join so that the primary key finds the batch.
            WHERE ti.id = ANY($1::bigint[]) AND ti.id = held.id
              AND \(TaskInstanceMachine.sqlSourcesGuard(of: .schedule, column: "ti.state"))
            """, [PGArray.literal(held.ids), PGArray.literal(held.reasons.map { $0?.rawValue })],
            context: "schedule held task instances")
    }
}

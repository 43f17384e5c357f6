import TideCore

extension TaskInstanceStore {
    /// Records the pod a running try uses (`namespace/name`), before the pod is created, so that
    /// the try is adopted rather than failed if this worker dies.
    /// - Returns: false when the try is no longer this worker's.
    public func recordPod(_ externalId: String, taskInstanceId: Int64, tryNumber: Int, workerId: String) async throws
        -> Bool
    {
        try await !pool.query(
            """
            UPDATE task_instances SET external_id = $4, pod_created_at = coalesce(pod_created_at, clock_timestamp())
            WHERE id = $1 AND try_number = $2 AND state = 'running' AND worker_id = $3
            RETURNING id
            """, [String(taskInstanceId), String(tryNumber), workerId, externalId],
            context: "record pod of task instance \(taskInstanceId)"
        ).rows.isEmpty
    }

    /// What a worker saw of a running pod try: the node it was scheduled on, whether its container
    /// started (each time is recorded once, when first seen) and why it is still waiting, if it is.
    public struct PodProgress: Sendable, Hashable {
        public var nodeName: String?
        public var containerStarted: Bool
        public var waitingReason: String?

        public init(nodeName: String?, containerStarted: Bool, waitingReason: String?) {
            self.nodeName = nodeName
            self.containerStarted = containerStarted
            self.waitingReason = waitingReason
        }
    }

    /// Records a pod try's progress (``PodProgress``) while the try is this worker's.
    public func recordPodProgress(_ progress: PodProgress, taskInstanceId: Int64, tryNumber: Int, workerId: String)
        async throws
    {
        try await pool.query(
            """
            UPDATE task_instances SET node_name = coalesce(node_name, $4),
                pod_scheduled_at = CASE WHEN $4::text IS NOT NULL THEN coalesce(pod_scheduled_at, clock_timestamp())
                                   ELSE pod_scheduled_at END,
                container_started_at = CASE WHEN $5::boolean THEN coalesce(container_started_at, clock_timestamp())
                                       ELSE container_started_at END,
                pod_waiting_reason = $6
            WHERE id = $1 AND try_number = $2 AND state = 'running' AND worker_id = $3
            """,
            [
                String(taskInstanceId), String(tryNumber), workerId, progress.nodeName,
                progress.containerStarted ? "true" : "false", progress.waitingReason,
            ], context: "record pod progress of task instance \(taskInstanceId)")
    }

    /// Gives a running pod try back for another worker to adopt (same try number, state
    /// `queued`), as a draining worker does: the pod keeps running.
    /// - Returns: the try to push, or nil when it was no longer this worker's.
    public func release(taskInstanceId: Int64, tryNumber: Int, workerId: String) async throws -> QueuedTry? {
        try await pool.query(
            """
            UPDATE task_instances SET state = 'queued', queued_at = clock_timestamp(), worker_id = NULL,
                hostname = NULL, pid = NULL
            WHERE id = $1 AND try_number = $2 AND state IN \(TaskInstanceMachine.sqlSources(of: .giveBack))
              AND worker_id = $3
            RETURNING id, try_number, queue, dag_id, task_id, priority_weight
            """, [String(taskInstanceId), String(tryNumber), workerId],
            context: "release task instance \(taskInstanceId)"
        ).rows.first.flatMap(Self.queuedTry)
    }

    /// Of these task instances (no longer running on this worker), those whose try was given to
    /// another worker to adopt: same try number, `queued` or `running` elsewhere. Their pods must
    /// be left alone; the others' pods are to be deleted.
    public func adoptedElsewhere(_ tries: [Int64: Int], from workerId: String) async throws -> Set<Int64> {
        guard !tries.isEmpty else { return [] }
        let rows = try await pool.query(
            """
            SELECT id, try_number FROM task_instances
            WHERE id = ANY($1::bigint[]) AND state IN \(TaskState.holdingSlotSQLList) AND coalesce(worker_id, '') <> $2
            """, [PGArray.literal(Array(tries.keys)), workerId], context: "check adopted tries"
        ).rows
        return Set(
            rows.compactMap { row in
                guard let id = row.int64("id"), let tryNumber = row.int("try_number"), tries[id] == tryNumber else {
                    return nil
                }
                return id
            })
    }
}

extension TaskInstanceStore {
    /// A task instance as the orphan-pod sweep sees it.
    public struct PodOwner: Sendable, Hashable {
        public var state: TaskState
        public var tryNumber: Int
        public var dagId: String
        public var dagHash: String
        public var taskId: String
    }

    /// The task instances that pods name (by id); missing ids are gone (their run was deleted).
    public func podOwners(_ ids: [Int64]) async throws -> [Int64: PodOwner] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await pool.query(
            """
            SELECT ti.id, ti.state, ti.try_number, ti.dag_id, r.dag_hash, ti.task_id
            FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE ti.id = ANY($1::bigint[])
            """, [PGArray.literal(ids)], context: "read the tries of pods"
        ).rows
        var owners: [Int64: PodOwner] = [:]
        for row in rows {
            guard let id = row.int64("id"), let state = row["state"].flatMap(TaskState.init(rawValue:)),
                let tryNumber = row.int("try_number"), let dagId = row["dag_id"], let hash = row["dag_hash"],
                let taskId = row["task_id"]
            else { continue }
            owners[id] = PodOwner(state: state, tryNumber: tryNumber, dagId: dagId, dagHash: hash, taskId: taskId)
        }
        return owners
    }
}

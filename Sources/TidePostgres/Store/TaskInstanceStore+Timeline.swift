import TideCore

extension TaskInstanceStore {
    /// Every try of every task of a run (or of one task), by task then try: the finished ones from
    /// their logs, and each task's current try (or its waiting state) from the task instance.
    public func timeline(runId: Int64, taskId: String? = nil) async throws -> [TimelineEntry] {
        try await pool.query(
            """
            SELECT ti.task_id, l.try_number, l.state, extract(epoch FROM l.scheduled_at) AS scheduled_at,
                   extract(epoch FROM l.queued_at) AS queued_at, extract(epoch FROM l.started_at) AS claimed_at,
                   extract(epoch FROM l.ended_at) AS ended_at, ti.queue, ti.pool, l.worker_id, l.hostname,
                   NULL AS pod, extract(epoch FROM l.pod_created_at) AS pod_created_at,
                   extract(epoch FROM l.pod_scheduled_at) AS pod_scheduled_at,
                   extract(epoch FROM l.container_started_at) AS container_started_at, l.node_name,
                   NULL AS pod_waiting_reason, l.held_reason, ti.id AS ti_id, ti.map_index
            FROM task_logs l JOIN task_instances ti ON ti.id = l.task_instance_id
            WHERE ti.run_id = $1 AND ($2::text IS NULL OR ti.task_id = $2)
              AND NOT (l.try_number = ti.try_number AND ti.state IN \(TaskState.holdingSlotSQLList))
            UNION ALL
            -- The current try (queued or running), the next one a waiting task will start, or a
            -- finished try that left no log (marked by hand).
            SELECT ti.task_id, CASE WHEN waiting THEN ti.try_number + 1 ELSE ti.try_number END, ti.state,
                   extract(epoch FROM CASE WHEN ti.state IN ('up_for_retry', 'up_for_reschedule') THEN ti.next_retry_at
                                           WHEN waiting AND ti.try_number > 0 THEN NULL ELSE ti.scheduled_at END),
                   extract(epoch FROM CASE WHEN waiting THEN NULL ELSE ti.queued_at END),
                   extract(epoch FROM CASE WHEN waiting THEN NULL ELSE ti.started_at END),
                   extract(epoch FROM CASE WHEN waiting THEN NULL ELSE ti.ended_at END),
                   ti.queue, ti.pool, p.worker_id, p.hostname, p.external_id, extract(epoch FROM p.pod_created_at),
                   extract(epoch FROM p.pod_scheduled_at), extract(epoch FROM p.container_started_at), p.node_name,
                   p.pod_waiting_reason, CASE WHEN ti.state IN ('none', 'up_for_retry', 'up_for_reschedule') THEN NULL ELSE ti.held_reason END,
                   ti.id, ti.map_index
            FROM task_instances ti, LATERAL (SELECT ti.state IN ('none', 'scheduled', 'up_for_retry', 'up_for_reschedule') AS waiting) w,
                 -- A waiting task's worker and pod fields belong to its last try, not the next.
                 LATERAL (SELECT CASE WHEN NOT waiting THEN ti.worker_id END AS worker_id,
                                 CASE WHEN NOT waiting THEN ti.hostname END AS hostname,
                                 CASE WHEN NOT waiting THEN ti.external_id END AS external_id,
                                 CASE WHEN NOT waiting THEN ti.pod_created_at END AS pod_created_at,
                                 CASE WHEN NOT waiting THEN ti.pod_scheduled_at END AS pod_scheduled_at,
                                 CASE WHEN NOT waiting THEN ti.container_started_at END AS container_started_at,
                                 CASE WHEN NOT waiting THEN ti.node_name END AS node_name,
                                 CASE WHEN NOT waiting THEN ti.pod_waiting_reason END AS pod_waiting_reason) p
            WHERE ti.run_id = $1 AND ($2::text IS NULL OR ti.task_id = $2) AND (waiting OR ti.state IN \(TaskState.holdingSlotSQLList) OR NOT EXISTS (
                SELECT 1 FROM task_logs l WHERE l.task_instance_id = ti.id AND l.try_number = ti.try_number))
            ORDER BY ti_id, try_number
            """, [String(runId), taskId], context: "run timeline"
        ).rows.compactMap { row in
            guard let taskId = row["task_id"], let tryNumber = row.int("try_number"), let state = row["state"] else {
                return nil
            }
            var entry = TimelineEntry(
                taskId: taskId, tryNumber: tryNumber, state: state, scheduledAt: row.double("scheduled_at"),
                queuedAt: row.double("queued_at"), claimedAt: row.double("claimed_at"), endedAt: row.double("ended_at"),
                queue: row["queue"] ?? "", pool: row["pool"] ?? "", workerId: row["worker_id"],
                hostname: row["hostname"],
                pod: row["pod"], podCreatedAt: row.double("pod_created_at"),
                podScheduledAt: row.double("pod_scheduled_at"),
                containerStartedAt: row.double("container_started_at"), nodeName: row["node_name"],
                podWaitingReason: row["pod_waiting_reason"], heldReason: row["held_reason"])
            entry.mapIndex = row.int("map_index") ?? -1
            return entry
        }
    }
}

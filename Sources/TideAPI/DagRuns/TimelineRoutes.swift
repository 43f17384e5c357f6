import Hummingbird
import TideCore
import TidePostgres

/// `GET …/dagRuns/{dag_run_id}/timeline` (Tide's own): every try of every task with when it
/// became ready, was queued, was claimed by a worker, ran and ended, and for pod tries when the
/// pod was created, scheduled on a node and its container started; the data of a Gantt chart that
/// tells a scheduler bottleneck from a worker shortage from a node pool scaling up.
struct TimelineRoutes: Sendable {
    let environment: APIEnvironment

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("dags/:dag_id/dagRuns/:dag_run_id/timeline") { request, context in
            _ = try context.require(.viewer, to: "reading runs")
            let run = try await DagRunRoutes(environment: environment).run(context)
            let entries = try await environment.service.taskInstances.timeline(runId: run.id)
            var timeline: JSONObject = [
                "dag_id": .string(run.dagId), "dag_run_id": .string(run.runId), "state": .string(run.state.rawValue),
                "queued_at": AirflowDate.json(run.queuedAt), "start_date": AirflowDate.json(run.startedAt),
                "end_date": AirflowDate.json(run.endedAt),
            ]
            timeline.append("tries", objects: entries.map(Self.entry))
            timeline["total_entries"] = .number(Double(entries.count))
            return JSONResponse.make(timeline, for: request)
        }
    }

    static func entry(_ entry: TimelineEntry) -> JSONObject {
        let pod: JSONValue =
            entry.podCreatedAt == nil && entry.pod == nil
            ? .null
            : .object([
                "name": entry.pod.map(JSONValue.string) ?? .null, "created_at": AirflowDate.json(entry.podCreatedAt),
                "scheduled_at": AirflowDate.json(entry.podScheduledAt),
                "container_started_at": AirflowDate.json(entry.containerStartedAt),
                "node_name": entry.nodeName.map(JSONValue.string) ?? .null,
                "waiting_reason": entry.podWaitingReason.map(JSONValue.string) ?? .null,
            ])
        return [
            "task_id": .string(entry.taskId), "try_number": .number(Double(entry.tryNumber)),
            "state": entry.state == TaskState.none.rawValue ? .null : .string(entry.state),
            "scheduled_at": AirflowDate.json(entry.scheduledAt), "queued_at": AirflowDate.json(entry.queuedAt),
            "claimed_at": AirflowDate.json(entry.claimedAt),
            "running_at": AirflowDate.json(
                entry.containerStartedAt ?? (entry.pod == nil && entry.podCreatedAt == nil ? entry.claimedAt : nil)),
            "end_date": AirflowDate.json(entry.endedAt),
            "held_reason": entry.heldReason.map(JSONValue.string) ?? .null, "queue": .string(entry.queue),
            "pool": .string(entry.pool),
            "worker_id": entry.workerId.map(JSONValue.string) ?? .null,
            "hostname": entry.hostname.map(JSONValue.string) ?? .null, "pod": pod,
        ]
    }
}

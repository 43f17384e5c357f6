import Foundation
import Hummingbird
import TideCore
import TideMetrics
import TidePostgres
import TideRedis
import TideScaling
import TideService

/// Tide's own view of the cluster: `GET /api/v2/queues`, `/workers`, `/nodePools` and `/scaling`
/// (the scaling report; `/api/v1/scaling` stays for KEDA).
struct ClusterRoutes: Sendable {
    let environment: APIEnvironment
    let reports: ReportReader
    /// Seconds without a heartbeat after which a worker does not count as live.
    let workerTimeoutSeconds: Double
    let nodePools: [NodePool]

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("queues") { request, context in
            _ = try context.require(.viewer, to: "reading queues")
            let now = Date().timeIntervalSince1970
            let service = environment.service
            let workers = try await service.workers.list().filter { $0.isLive(timeoutSeconds: workerTimeoutSeconds) }
            let queues = try await service.queueStatuses(report: await latestReport(), liveWorkers: workers)
            let items: [JSONValue] = queues.map { queue in
                .object([
                    "name": .string(queue.name), "depth": queue.depth.map { .number(Double($0)) } ?? .null,
                    "queued": .number(Double(queue.queued)), "running": .number(Double(queue.running)),
                    "oldest_queued_at": AirflowDate.json(queue.oldestQueuedAt),
                    "oldest_queued_age_seconds": queue.oldestQueuedAt.map { .number(max(0, now - $0)) } ?? .null,
                    "live_workers": .number(Double(queue.liveWorkers)), "slots": .number(Double(queue.slots)),
                    "slots_used": .number(Double(queue.slotsUsed)),
                    "held_back": queue.hint.map { .number(Double($0.heldBack)) } ?? .null,
                    "desired_workers": queue.hint.map { .number(Double($0.desiredWorkers)) } ?? .null,
                ])
            }
            return JSONResponse.make(
                .object(["queues": .array(items), "total_entries": .number(Double(items.count))]), for: request)
        }
        api.get("workers") { request, context in
            _ = try context.require(.viewer, to: "reading workers")
            let service = environment.service
            let workers = try await service.workers.list()
            let running = try await service.taskInstances.runningByWorker()
            let items: [JSONValue] = workers.map { worker in
                let live = worker.isLive(timeoutSeconds: workerTimeoutSeconds)
                return .object([
                    "id": .string(worker.id), "hostname": .string(worker.hostname), "pid": .number(Double(worker.pid)),
                    "state": .string(worker.state), "live": .bool(live),
                    "queues": .array(worker.queues.map { .string($0) }), "slots": .number(Double(worker.slots)),
                    "slots_used": .number(Double(worker.running)), "started_at": AirflowDate.json(worker.startedAt),
                    "latest_heartbeat": AirflowDate.json(worker.heartbeatAt),
                    "heartbeat_age_seconds": .number(worker.heartbeatAge),
                    "current_tries": .array(
                        (running[worker.id] ?? []).map { ti in
                            .object([
                                "dag_id": .string(ti.dagId), "task_id": .string(ti.taskId),
                                "try_number": .number(Double(ti.tryNumber)),
                                "start_date": AirflowDate.json(ti.startedAt),
                                "pod": ti.externalId.map(JSONValue.string) ?? .null,
                            ])
                        }),
                ])
            }
            return JSONResponse.make(
                .object(["workers": .array(items), "total_entries": .number(Double(items.count))]), for: request)
        }
        api.get("nodePools") { request, context in
            _ = try context.require(.viewer, to: "reading node pools")
            let report = await latestReport()
            let items: [JSONValue] = nodePools.map { pool in
                let hint = report?.nodePools[pool.name]
                return .object([
                    "name": .string(pool.name), "max_pods": pool.maxPods.map { .number(Double($0)) } ?? .null,
                    "pending_pods": hint.map { .number(Double($0.pendingPods)) } ?? .null,
                    "running_pods": hint.map { .number(Double($0.runningPods)) } ?? .null,
                    "cpu_request_millicores": hint.map { .number(Double($0.cpuRequestMillicores)) } ?? .null,
                    "memory_request_bytes": hint.map { .number($0.memoryRequestBytes) } ?? .null,
                    "desired_nodes": hint?.desiredNodes.map { .number(Double($0)) } ?? .null,
                    "min_nodes": hint.map { .number(Double($0.minNodes)) } ?? .null,
                    "max_nodes": hint?.maxNodes.map { .number(Double($0)) } ?? .null,
                ])
            }
            return JSONResponse.make(
                .object(["node_pools": .array(items), "total_entries": .number(Double(items.count))]), for: request)
        }
        api.get("scaling") { request, context in
            _ = try context.require(.viewer, to: "reading the scaling report")
            let now = Date().timeIntervalSince1970
            switch await reports.read() {
            case .report(let report):
                let data = try JSONEncoder().encode(ScalingSummary(report, now: now))
                return JSONResponse.make(try JSONValue.decode(Array(data)), for: request)
            case .missing:
                throw APIError(
                    .serviceUnavailable, "no scaling report yet: a scheduler publishes one every scaling.interval")
            case .failed(let message):
                throw APIError(.serviceUnavailable, message)
            }
        }
    }

    func latestReport() async -> ScalingReport? {
        if case .report(let report) = await reports.read() { return report }
        return nil
    }
}

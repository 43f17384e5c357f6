import Foundation
import Hummingbird
import TideCore
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
            let loads = try await service.taskInstances.queueLoads()
            let workers = try await service.workers.list().filter {
                ($0.state == "running" || $0.state == "draining") && $0.heartbeatAge < workerTimeoutSeconds
            }
            let report = await latestReport()
            var names = Set(loads.map(\.queue)).union(workers.flatMap(\.queues))
            names.formUnion(report?.queues.keys.map { $0 } ?? [])
            let depths = try? await service.queueDepths(names.sorted())
            let items: [JSONValue] = names.sorted().map { name in
                let load = loads.first { $0.queue == name }
                let serving = workers.filter { $0.queues.contains(name) }
                let hint = report?.queues[name]
                return .object([
                    "name": .string(name), "depth": depths?[name].map { .number(Double($0)) } ?? .null,
                    "queued": .number(Double(load?.queued ?? 0)), "running": .number(Double(load?.running ?? 0)),
                    "oldest_queued_at": AirflowDate.json(load?.oldestQueuedAt),
                    "oldest_queued_age_seconds": load?.oldestQueuedAt.map { .number(max(0, now - $0)) } ?? .null,
                    "live_workers": .number(Double(serving.count)),
                    "slots": .number(Double(serving.map(\.slots).reduce(0, +))),
                    "slots_used": .number(Double(serving.map(\.running).reduce(0, +))),
                    "held_back": hint.map { .number(Double($0.heldBack)) } ?? .null,
                    "desired_workers": hint.map { .number(Double($0.desiredWorkers)) } ?? .null,
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
                let live =
                    (worker.state == "running" || worker.state == "draining")
                    && worker.heartbeatAge < workerTimeoutSeconds
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

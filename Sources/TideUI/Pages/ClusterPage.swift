import Foundation
import Hummingbird
import TideCore
import TidePostgres

extension Pages {
    /// The cluster: queues, workers and node pools now, and each queue's and node pool's scaling
    /// over time (waiting work against desired and actual workers or nodes).
    func cluster(_ viewer: UIViewer) async throws -> Response {
        let now = Date().timeIntervalSince1970
        let report = await ui.reports.latest()
        let workers = try await service.workers.list()
        let running = try await service.taskInstances.runningByWorker()
        let live = workers.filter(isLive)
        let workerRows = workers.sorted { (isLive($0) ? 0 : 1, $0.id) < (isLive($1) ? 0 : 1, $1.id) }.map { worker in
            [
                "id": worker.id, "hostname": worker.hostname, "state": worker.state, "live": isLive(worker),
                "queues": worker.queues.joined(separator: ", "), "slots": worker.slots, "busy": worker.running,
                "heartbeat": Format.ago(worker.heartbeatAt, now: now), "started": Format.time(worker.startedAt),
                "tries": (running[worker.id] ?? []).map { ti in
                    ["label": "\(ti.dagId).\(ti.taskId) #\(ti.tryNumber)", "pod": ti.externalId ?? ""]
                },
            ] as [String: Any]
        }
        let queueCharts = Self.charts(
            ui.history.queues, what: "Queue",
            labels: (
                waiting: "queued tries", running: "running tries", desired: "desired workers", actual: "live workers"
            ))
        let poolCharts = Self.charts(
            ui.history.nodePools, what: "Node pool",
            labels: (waiting: "pending pods", running: "running pods", desired: "desired nodes", actual: ""))
        let model: [String: Any] = [
            "queues": try await queueRows(report: report, workers: live), "workers": workerRows,
            "liveWorkers": live.count, "allWorkers": workers.count, "nodePools": nodePoolRows(report: report),
            "queueCharts": queueCharts, "poolCharts": poolCharts,
            "reportAge": report.map { Format.ago($0.generatedAt, now: now) } ?? "none yet",
            "sampleSeconds": Int(ScalingHistory.sampleSeconds),
        ]
        return html("cluster", model, title: "Cluster", section: .cluster, viewer: viewer, events: "")
    }

    /// Admin: pools with their slots and use; admins can add, resize and delete them.
    func pools(_ viewer: UIViewer) async throws -> Response {
        let pools = try await service.pools.list()
        let model: [String: Any] = [
            "pools": pools.map { pool in
                [
                    "name": pool.name, "slots": pool.slots, "description": pool.description,
                    "used": pool.used, "running": pool.running, "queued": pool.queued, "scheduled": pool.scheduled,
                    "free": max(0, pool.slots - pool.used), "full": pool.used >= pool.slots,
                    "apiUrl": "/api/v2/pools/" + HTML.component(pool.name),
                    "isDefault": pool.name == "default_pool",
                ] as [String: Any]
            },
            "canAdminister": viewer.canAdminister,
        ]
        return html("pools", model, title: "Pools", section: .admin, viewer: viewer, events: "")
    }

    /// One chart per queue or node pool: waiting and running work, desired (dashed) and actual
    /// capacity; a line without a label (node pools have no actual node count) is left out.
    static func charts(
        _ series: [String: [ScalingHistory.Point]], what: String,
        labels: (waiting: String, running: String, desired: String, actual: String)
    ) -> [[String: Any]] {
        series.sorted { $0.key < $1.key }.map { name, points in
            var lines: [ScalingChart.Line] = [
                .init(key: "waiting", label: labels.waiting, values: points.map { Double($0.waiting) }),
                .init(key: "running", label: labels.running, values: points.map { Double($0.running) }),
                .init(
                    key: "desired", label: labels.desired, values: points.map { $0.desired.map(Double.init) },
                    dashed: true),
            ]
            if !labels.actual.isEmpty {
                lines.append(
                    .init(key: "actual", label: labels.actual, values: points.map { $0.actual.map(Double.init) }))
            }
            return [
                "name": name,
                "svg": ScalingChart(title: "\(what) \(name) over time", times: points.map(\.time), lines: lines).svg(),
            ]
        }
    }
}

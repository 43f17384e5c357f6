import Foundation
import Hummingbird
import TideCore
import TidePostgres
import TideScaling
import TideService

extension Pages {
    /// Home: the health of the parts, queues, node pools, runs failing now and DAG import errors.
    func home(_ viewer: UIViewer) async throws -> Response {
        let now = Date().timeIntervalSince1970
        async let databaseUp = service.databaseIsReachable()
        let outcome = await ui.reports.read()
        var report: ScalingReport?
        var redis = ("healthy", "answers")
        var scheduler = ("unhealthy", "no scaling report published yet")
        switch outcome {
        case .report(let latest):
            report = latest
            let fresh = !latest.isStale(now: now)
            scheduler = (fresh ? "healthy" : "unhealthy", "last heartbeat " + Format.ago(latest.generatedAt, now: now))
        case .missing: break
        case .failed(let message): redis = ("unhealthy", message)
        }
        let workers = try await service.workers.list()
        let live = workers.filter { isLive($0) }
        let database = await databaseUp
        let health: [[String: Any]] = [
            component("Scheduler", scheduler.0, scheduler.1),
            component(
                "Workers", live.isEmpty ? "unhealthy" : "healthy",
                "\(live.count) live, \(live.map(\.running).reduce(0, +)) of \(live.map(\.slots).reduce(0, +)) slots busy"
            ),
            component("PostgreSQL", database ? "healthy" : "unhealthy", database ? "answers" : "does not answer"),
            component("Redis", redis.0, redis.1),
        ]
        var failing = RunQuery()
        failing.states = [.failed]
        failing.endDate = TimeRange(from: now - 86_400)
        failing.order = [SortKey(.endDate, descending: true)]
        failing.limit = 10
        let failed = try await service.runs.page(failing)
        let failingNow = try await service.runs.runningWithFailures(limit: 10)
        let errors = try await service.dags.importErrors()
        let model: [String: Any] = [
            "health": health,
            "queues": try await queueRows(report: report, workers: live),
            "nodePools": nodePoolRows(report: report),
            "failedRuns": failed.items.map { runRow($0, now: now) },
            "failedTotal": failed.total,
            "failingNow": failingNow.map { runRow($0, now: now) },
            "importErrors": errors.map {
                ["file": $0.fileloc, "message": $0.message, "when": Format.ago($0.recordedAt)]
            },
        ]
        return html("home", model, title: "Home", section: .home, viewer: viewer, events: "")
    }

    func isLive(_ worker: WorkerStore.WorkerRecord) -> Bool {
        worker.isLive(timeoutSeconds: ui.workerTimeoutSeconds)
    }

    private func component(_ name: String, _ status: String, _ detail: String) -> [String: Any] {
        ["name": name, "healthy": status == "healthy", "status": status, "detail": detail]
    }

    /// Queues as the cluster sees them: Redis depth, queued and running tries, held back, workers.
    func queueRows(report: ScalingReport?, workers: [WorkerStore.WorkerRecord]) async throws -> [[String: Any]] {
        let now = Date().timeIntervalSince1970
        return try await service.queueStatuses(report: report, liveWorkers: workers).map { queue -> [String: Any] in
            let heldBy = queue.hint.map { hint in
                hint.heldBackBy.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            }
            let oldest: String = queue.oldestQueuedAt.map { Format.duration(now - $0) } ?? "–"
            return [
                "name": queue.name, "depth": queue.depth.map(String.init) ?? "?", "queued": queue.queued,
                "running": queue.running, "oldest": oldest, "workers": queue.liveWorkers, "slots": queue.slots,
                "busy": queue.slotsUsed, "heldBack": queue.hint.map { String($0.heldBack) } ?? "–",
                "heldBy": heldBy ?? "", "desired": queue.hint.map { String($0.desiredWorkers) } ?? "–",
            ]
        }
    }

    func nodePoolRows(report: ScalingReport?) -> [[String: Any]] {
        ui.nodePools.map { pool in
            let hint = report?.nodePools[pool.name]
            return [
                "name": pool.name, "maxPods": pool.maxPods.map(String.init) ?? "no limit",
                "pending": hint?.pendingPods ?? 0, "running": hint?.runningPods ?? 0,
                "desiredNodes": hint?.desiredNodes.map(String.init) ?? "–",
                "range": "\(hint?.minNodes ?? 0)–\(hint?.maxNodes.map(String.init) ?? "∞")",
                "cpu": hint.map { "\($0.cpuRequestMillicores)m" } ?? "–",
                "memory": hint.map { Format.bytes(Int($0.memoryRequestBytes)) } ?? "–",
            ]
        }
    }

    /// A run as a table row: links, state badge, dates and duration.
    func runRow(_ run: RunRecord, now: Double) -> [String: Any] {
        let end = run.endedAt ?? (run.startedAt == nil ? nil : now)
        return [
            "dagId": run.dagId, "runId": run.runId, "dagUrl": Paths.dag(run.dagId),
            "url": Paths.run(run.dagId, run.runId), "state": StateStyle(run.state).model,
            "logicalDate": Format.time(run.logicalDate), "start": Format.time(run.startedAt),
            "end": Format.time(run.endedAt), "runType": run.runType,
            "duration": Format.duration(run.startedAt.flatMap { start in end.map { $0 - start } }),
            "apiUrl": Paths.apiRun(run.dagId, run.runId),
        ]
    }
}

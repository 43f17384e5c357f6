import Foundation
import Hummingbird
import TideCore
import TideMetrics
import TideService

/// `GET /api/v2/monitor/health` and `GET /api/v2/version`, both without authentication as in Airflow.
struct MonitorRoutes: Sendable {
    let environment: APIEnvironment
    let reports: ReportReader
    let version: String

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("monitor/health") { request, _ in
            let database = await environment.service.databaseIsReachable()
            // Schedulers publish the scaling report every scaling.interval: its age is their heartbeat.
            var scheduler: JSONValue = .object(["status": .string("unhealthy"), "latest_scheduler_heartbeat": .null])
            var redis = "unhealthy"
            switch await reports.read() {
            case .report(let report):
                redis = "healthy"
                let fresh = !report.isStale(now: Date().timeIntervalSince1970)
                scheduler = .object([
                    "status": .string(fresh ? "healthy" : "unhealthy"),
                    "latest_scheduler_heartbeat": AirflowDate.json(report.generatedAt),
                ])
            case .missing: redis = "healthy"
            case .failed: break
            }
            return JSONResponse.make(
                .object([
                    "metadatabase": .object(["status": .string(database ? "healthy" : "unhealthy")]),
                    "scheduler": scheduler,
                    "triggerer": .object(["status": .null, "latest_triggerer_heartbeat": .null]),
                    "dag_processor": .null,
                    "redis": .object(["status": .string(redis)]),
                ]), for: request)
        }
        api.get("version") { request, _ in
            // Public, as in Airflow: clients check it before they authenticate.
            return JSONResponse.make(.object(["version": .string(version), "git_version": .null]), for: request)
        }
    }
}

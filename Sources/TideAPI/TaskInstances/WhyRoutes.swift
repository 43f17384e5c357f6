import Hummingbird
import TideCore
import TideService

/// `GET …/taskInstances/{task_id}/why` (Tide's own): why a task instance is not running, reason by
/// reason (trigger rule against upstream states, `depends_on_past`, the run, each limit, its
/// place in its queue, retry back-off, a pod's pending reason).
struct WhyRoutes: Sendable {
    let environment: APIEnvironment

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/why") { request, context in
            _ = try context.require(.viewer, to: "reading task instances")
            let (run, ti) = try await TaskInstanceRoutes(environment: environment).taskInstance(context)
            let report = try await environment.service.whyNotRunning(ti, of: run)
            return JSONResponse.make(
                .object([
                    "dag_id": .string(run.dagId), "dag_run_id": .string(run.runId), "task_id": .string(report.taskId),
                    "state": report.state == TaskState.none.rawValue ? .null : .string(report.state),
                    "try_number": .number(Double(report.tryNumber)),
                    "blocked": .bool(report.reasons.contains(where: \.blocking)),
                    "reasons": .array(
                        report.reasons.map {
                            .object([
                                "kind": .string($0.kind.rawValue), "message": .string($0.message),
                                "blocking": .bool($0.blocking),
                            ])
                        }),
                ]), for: request)
        }
    }
}

import Foundation
import Hummingbird
import TideCore
import TidePostgres

extension Pages {
    static let browsePerPage = 50

    /// Runs across DAGs, filtered by DAG, state and run type, newest first; bulk actions on the selection.
    func browseRuns(_ viewer: UIViewer, _ request: Request) async throws -> Response {
        let params = PageQuery(request)
        var query = RunQuery()
        query.dagId = params.string("dag_id")
        let states = try params.all("state").map { text in
            guard let state = DagRunState(rawValue: text) else {
                throw PageInputError(message: "state: expected queued, running, success or failed, got '\(text)'")
            }
            return state
        }
        query.states = states
        query.runTypes = params.all("run_type")
        let pageNumber = try params.int("page", default: 1, in: 1...1_000_000)
        query.order = [SortKey(.id, descending: true)]
        query.limit = Self.browsePerPage
        query.offset = (pageNumber - 1) * Self.browsePerPage
        let page = try await service.runs.page(query)
        let now = Date().timeIntervalSince1970
        let base: [(String, String?)] =
            [("dag_id", query.dagId)] + states.map { ("state", $0.rawValue) } + query.runTypes.map { ("run_type", $0) }
        let model: [String: Any] = [
            "runs": true, "rows": page.items.map { runRow($0, now: now) }, "total": page.total,
            "dagId": query.dagId ?? "", "canOperate": viewer.canOperate,
            "states": DagRunState.allCases.map { ["name": $0.rawValue, "checked": states.contains($0)] },
            "pager": Pager(
                path: "/browse/runs", base: base, page: pageNumber, perPage: Self.browsePerPage, total: page.total
            )
            .model,
        ]
        return html("browse", model, title: "Browse runs", section: .browse, viewer: viewer, events: "")
    }

    /// Task instances across DAGs and runs, filtered by DAG, state, task, pool and queue; bulk clear and mark.
    func browseTasks(_ viewer: UIViewer, _ request: Request) async throws -> Response {
        let params = PageQuery(request)
        var query = TaskInstanceQuery()
        let stateTexts = params.all("state")
        if !stateTexts.isEmpty {
            query.states = try stateTexts.map { text in
                guard let state = TaskState(rawValue: text) else {
                    throw PageInputError(
                        message:
                            "state: expected one of \(TaskState.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'"
                    )
                }
                return state
            }
        }
        query.taskIds = params.all("task_id")
        query.pools = params.all("pool")
        query.queues = params.all("queue")
        let dagId = params.string("dag_id")
        let pageNumber = try params.int("page", default: 1, in: 1...1_000_000)
        query.order = [SortKey(.id, descending: true)]
        query.limit = Self.browsePerPage
        query.offset = (pageNumber - 1) * Self.browsePerPage
        let page = try await service.taskInstances.page(runId: nil, dagId: dagId, query)
        let runs = try await service.runs.records(ids: Array(Set(page.items.map(\.runId))))
        let rows = page.items.compactMap { ti -> [String: Any]? in
            guard let run = runs[ti.runId] else { return nil }
            return [
                "dagId": ti.dagId, "runId": run.runId, "taskId": ti.label, "dagUrl": Paths.dag(ti.dagId),
                "runUrl": Paths.run(ti.dagId, run.runId),
                "url": Paths.taskInstance(ti.dagId, run.runId, ti.taskId, mapIndex: ti.mapIndex),
                "state": StateStyle(ti.state).model, "try": ti.tryNumber, "pool": ti.pool, "queue": ti.queue,
                "start": Format.time(ti.startedAt),
                "duration": Format.duration(ti.startedAt.flatMap { start in ti.endedAt.map { $0 - start } }),
                "logicalDate": Format.time(run.logicalDate),
            ]
        }
        let chosen = Set(query.states ?? [])
        let base: [(String, String?)] =
            [("dag_id", dagId)] + stateTexts.map { ("state", $0) } + query.taskIds.map { ("task_id", $0) }
            + query.pools.map { ("pool", $0) } + query.queues.map { ("queue", $0) }
        let model: [String: Any] = [
            "tasks": true, "rows": rows, "total": page.total, "dagId": dagId ?? "", "canOperate": viewer.canOperate,
            "taskId": query.taskIds.first ?? "", "pool": query.pools.first ?? "", "queue": query.queues.first ?? "",
            "states": TaskState.allCases.map { ["name": $0.rawValue, "checked": chosen.contains($0)] },
            "pager": Pager(
                path: "/browse/tasks", base: base, page: pageNumber, perPage: Self.browsePerPage, total: page.total
            )
            .model,
        ]
        return html("browse", model, title: "Browse task instances", section: .browse, viewer: viewer, events: "")
    }
}

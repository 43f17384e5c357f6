import Foundation
import Hummingbird
import TideCore
import TidePostgres

/// The tabs of a DAG's page.
enum DagTab: String, CaseIterable, Sendable {
    case grid, graph, runs, source
}

extension Pages {
    static let gridTasksPerPage = 200
    static let runsPerPage = 50

    /// A DAG's page: header (pause, trigger, schedule) and the chosen tab.
    func dag(_ viewer: UIViewer, _ request: Request, _ dagId: String, tab: DagTab) async throws -> Response {
        let (record, definition) = try await service.dag(dagId)
        let params = PageQuery(request)
        var model: [String: Any] = [
            "dagId": dagId, "description": record.description, "paused": record.isPaused,
            "tags": record.tags.map { ["tag": $0, "url": "/dags" + HTML.query([("tag", $0)])] },
            "schedule": definition.schedule.summary, "fileloc": record.fileloc,
            "next": ui.nextRuns.next(definition, hash: record.contentHash).map { Format.time($0.start) } ?? "–",
            "canOperate": viewer.canOperate, "apiUrl": Paths.apiDag(dagId), "url": Paths.dag(dagId),
            "tab_" + tab.rawValue: true, "maxActiveRuns": definition.maxActiveRuns,
            "params": definition.params.isEmpty ? "{}" : JSONValue.object(definition.params).jsonText,
            "importError": record.hasImportErrors,
        ]
        for other in DagTab.allCases {
            model["tabUrl_" + other.rawValue] = Paths.dag(dagId) + (other == .grid ? "" : "/" + other.rawValue)
        }
        switch tab {
        case .grid: model["grid"] = try await gridModel(record: record, definition: definition, params: params)
        case .graph: model["graph"] = try await graphModel(definition: definition, params: params)
        case .runs: model["runs"] = try await runsModel(dagId: dagId, params: params)
        case .source: model["source"] = try await sourceModel(record: record, params: params)
        }
        return html(
            "dag", model, title: dagId, section: .dags, viewer: viewer,
            events: "dag_id=" + HTML.component(dagId))
    }

    private func runsModel(dagId: String, params: PageQuery) async throws -> [String: Any] {
        var query = RunQuery()
        query.dagId = dagId
        let state = params.string("state")
        if let state {
            guard let parsed = DagRunState(rawValue: state) else {
                throw PageInputError(message: "state: expected queued, running, success or failed, got '\(state)'")
            }
            query.states = [parsed]
        }
        let pageNumber = try params.int("page", default: 1, in: 1...1_000_000)
        query.order = [SortKey(.logicalDate, descending: true)]
        query.limit = Self.runsPerPage
        query.offset = (pageNumber - 1) * Self.runsPerPage
        let page = try await service.runs.page(query)
        let now = Date().timeIntervalSince1970
        return [
            "rows": page.items.map { runRow($0, now: now) }, "total": page.total,
            "state_" + (state ?? "all"): true,
            "pager": Pager(
                path: Paths.dag(dagId) + "/runs", base: [("state", state)], page: pageNumber,
                perPage: Self.runsPerPage, total: page.total
            ).model,
        ]
    }

    private func sourceModel(record: DagRecord, params: PageQuery) async throws -> [String: Any] {
        let versions = try await service.dags.versions(record.dagId)
        let chosen = params.string("version") ?? record.contentHash
        guard versions.contains(where: { $0.contentHash == chosen }) else {
            throw PageInputError(message: "version: DAG '\(record.dagId)' has no version '\(chosen)'")
        }
        let source = try await service.dags.source(dagId: record.dagId, hash: chosen)
        return [
            "versions": versions.enumerated().map { index, version in
                [
                    "hash": String(version.contentHash.prefix(12)), "number": versions.count - index,
                    "created": Format.time(version.createdAt), "runs": version.runCount,
                    "current": version.contentHash == record.contentHash, "chosen": version.contentHash == chosen,
                    "url": Paths.dag(record.dagId) + "/source" + HTML.query([("version", version.contentHash)]),
                ] as [String: Any]
            },
            "text": source ?? "", "missing": source == nil,
        ]
    }
}

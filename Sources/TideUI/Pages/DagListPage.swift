import Foundation
import Hummingbird
import TideCore
import TidePostgres

extension Pages {
    static let dagsPerPage = 50
    static let recentRunsShown = 12

    /// The DAG list: search over ids, descriptions and tags, tag filter, paused filter, paging;
    /// each DAG with its pause switch, schedule, next run and latest runs as squares.
    func dags(_ viewer: UIViewer, _ request: Request) async throws -> Response {
        let params = PageQuery(request)
        var query = DagQuery()
        query.search = params.string("q")
        query.tags = params.all("tag")
        let status = params.string("status") ?? "all"
        switch status {
        case "active": query.paused = false
        case "paused": query.paused = true
        case "all": break
        default: throw PageInputError(message: "status: expected all, active or paused, got '\(status)'")
        }
        let pageNumber = try params.int("page", default: 1, in: 1...1_000_000)
        query.limit = Self.dagsPerPage
        query.offset = (pageNumber - 1) * Self.dagsPerPage
        let page = try await service.dags.page(query)
        let recent = try await service.runs.recent(dagIds: page.items.map(\.dagId), limit: Self.recentRunsShown)
        var rows: [[String: Any]] = []
        for record in page.items {
            let definition = try? await service.definition(dagId: record.dagId, hash: record.contentHash)
            let next = definition.flatMap { ui.nextRuns.next($0, hash: record.contentHash) }
            let runs = (recent[record.dagId] ?? []).reversed().map { run -> [String: Any] in
                [
                    "url": Paths.run(run.dagId, run.runId), "state": StateStyle(run.state).model,
                    "title": "\(run.runId): \(run.state.rawValue), \(Format.time(run.logicalDate))",
                ]
            }
            rows.append([
                "dagId": record.dagId, "url": Paths.dag(record.dagId), "description": record.description,
                "tags": record.tags.map { ["tag": $0, "url": "/dags" + HTML.query([("tag", $0)])] },
                "paused": record.isPaused, "schedule": definition.map { $0.schedule.summary } ?? "–",
                "next": next.map { Format.time($0.start) } ?? "–", "runs": runs, "tasks": record.taskCount,
                "importError": record.hasImportErrors, "apiUrl": Paths.apiDag(record.dagId),
            ])
        }
        let base: [(String, String?)] =
            [("q", query.search), ("status", status == "all" ? nil : status)] + query.tags.map { ("tag", $0) }
        let model: [String: Any] = [
            "rows": rows, "total": page.total, "q": query.search ?? "",
            "tags": query.tags.map { tag in
                ["tag": tag, "removeUrl": "/dags" + HTML.query(base.filter { !($0.0 == "tag" && $0.1 == tag) })]
            },
            "status_" + status: true, "canOperate": viewer.canOperate,
            "pager": Pager(path: "/dags", base: base, page: pageNumber, perPage: Self.dagsPerPage, total: page.total)
                .model,
        ]
        return html("dags", model, title: "DAGs", section: .dags, viewer: viewer, events: "")
    }
}

/// Previous/next links of a paged list, keeping its filters in the URL.
struct Pager {
    var path: String
    var base: [(String, String?)]
    var page: Int
    var perPage: Int
    var total: Int

    var pages: Int { max(1, (total + perPage - 1) / perPage) }

    var model: [String: Any] {
        var model: [String: Any] = [
            "page": page, "pages": pages, "total": total,
            "first": total == 0 ? 0 : (page - 1) * perPage + 1, "last": min(total, page * perPage),
        ]
        if page > 1 { model["previous"] = url(page - 1) }
        if page < pages { model["next"] = url(page + 1) }
        return model
    }

    func url(_ page: Int) -> String { path + HTML.query(base + [("page", page == 1 ? nil : String(page))]) }
}

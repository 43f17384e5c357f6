import Foundation
import Hummingbird
import TideCore
import TidePostgres

extension Pages {
    static let ganttRowsPerPage = 200
    /// Rows of the task table shown until "all tasks" is asked for (the top of the chosen sort).
    static let taskRowsShown = 100

    /// What the run page's task table can be sorted by.
    enum TaskSort: String, CaseIterable {
        case task, state, queueWait = "queue_wait", held, duration, start
    }

    /// A run's page: its Gantt chart, a task table sortable by queue wait, its conf and actions.
    func run(_ viewer: UIViewer, _ request: Request, dagId: String, runId: String) async throws -> Response {
        let run = try await service.run(dagId: dagId, runId: runId)
        let definition = try? await service.definition(dagId: dagId, hash: run.dagHash)
        let params = PageQuery(request)
        let sortText = params.string("sort") ?? TaskSort.queueWait.rawValue
        guard let sort = TaskSort(rawValue: sortText) else {
            throw PageInputError(
                message:
                    "sort: expected one of \(TaskSort.allCases.map(\.rawValue).joined(separator: ", ")), got '\(sortText)'"
            )
        }
        let ascending = params.string("order") == "asc"
        let ganttPage = try params.int("rows", default: 1, in: 1...100_000)
        let now = Date().timeIntervalSince1970
        let entries = try await service.taskInstances.timeline(runId: run.id)
        let upstream = Dictionary(
            (definition?.tasks ?? []).map { ($0.taskId, $0.upstream) }, uniquingKeysWith: { first, _ in first })
        let gantt = GanttChart(
            entries: entries, runStart: run.startedAt ?? run.queuedAt, upstream: upstream, now: now)
        let first = (ganttPage - 1) * Self.ganttRowsPerPage
        var pageOfRows = gantt
        pageOfRows.rows = Array(gantt.rows.dropFirst(first).prefix(Self.ganttRowsPerPage))
        let svg = pageOfRows.svg {
            Paths.taskInstance(dagId, runId, $0.taskId, mapIndex: $0.mapIndex, try: $0.tryNumber)
        }

        // The task table: each task instance's latest try (each mapped instance's).
        var latest: [String: GanttChart.Row] = [:]
        for row in gantt.rows { latest[row.entry.label] = row }
        func seconds(_ row: GanttChart.Row, _ phase: GanttChart.Phase) -> Double? {
            let matching = row.segments.filter { $0.phase == phase }
            return matching.isEmpty ? nil : matching.map { $0.end - $0.start }.reduce(0, +)
        }
        var table = latest.values.map { row -> (row: GanttChart.Row, key: Double, name: String) in
            let key: Double =
                switch sort {
                case .queueWait: seconds(row, .queued) ?? -1
                case .held: seconds(row, .held) ?? -1
                case .duration: seconds(row, .running) ?? -1
                case .start: row.entry.claimedAt ?? .infinity
                case .task, .state: 0
                }
            return (row, key, sort == .state ? row.entry.state + row.entry.label : row.entry.label)
        }
        table.sort { left, right in
            if sort == .task || sort == .state { return ascending ? left.name > right.name : left.name < right.name }
            if left.key == right.key { return left.name < right.name }
            return ascending ? left.key < right.key : left.key > right.key
        }
        let showAll = params.string("all_tasks") != nil
        let tasks = table.prefix(showAll ? table.count : Self.taskRowsShown).map { item -> [String: Any] in
            let entry = item.row.entry
            return [
                "taskId": entry.label, "url": Paths.taskInstance(dagId, runId, entry.taskId, mapIndex: entry.mapIndex),
                "state": StateStyle(text: entry.state).model, "try": entry.tryNumber,
                "queueWait": Format.duration(seconds(item.row, .queued)),
                // Without a limit named, the gap is the dispatcher's own latency, not a hold.
                "held": entry.heldReason == nil ? "–" : Format.duration(seconds(item.row, .held)),
                "heldBy": entry.heldReason == nil ? "" : GanttChart.heldText(entry),
                "podPending": Format.duration(seconds(item.row, .podPending)),
                "duration": Format.duration(seconds(item.row, .running)),
                "start": Format.time(entry.claimedAt), "where": entry.nodeName ?? entry.hostname ?? "",
                "critical": item.row.critical,
            ]
        }
        let sortLinks = TaskSort.allCases.map { option -> [String: Any] in
            let same = option == sort
            return [
                "key": option.rawValue,
                "url": Paths.run(dagId, runId)
                    + HTML.query([
                        ("sort", option.rawValue), ("order", same && !ascending ? "asc" : nil),
                        ("all_tasks", showAll ? "1" : nil),
                    ]) + "#tasks",
                "active": same, "arrow": same ? (ascending ? "▲" : "▼") : "",
            ]
        }
        var model: [String: Any] = [
            "dagId": dagId, "runId": runId, "dagUrl": Paths.dag(dagId), "run": runRow(run, now: now),
            "conf": Self.pretty(run.conf), "note": run.note ?? "", "gantt": svg, "tasks": tasks,
            "sort": Dictionary(
                uniqueKeysWithValues: sortLinks.compactMap { link in
                    (link["key"] as? String).map { ($0, link) }
                }),
            "canOperate": viewer.canOperate, "apiUrl": Paths.apiRun(dagId, runId),
            "phases": GanttChart.Phase.allCases.map { ["key": $0.rawValue, "title": $0.title] },
            "version": String(run.dagHash.prefix(12)),
            "taskTotal": table.count,
        ]
        if run.runType == "asset_triggered" {
            // The dataset updates that triggered it, each linking to the run that made it.
            let events = try await service.datasets.events(triggering: run.id)
            model["hasDatasetEvents"] = !events.isEmpty
            model["datasetEvents"] = events.map { event -> [String: Any] in
                [
                    "uri": event.uri, "source": "\(event.sourceDagId).\(event.sourceTaskId)",
                    "sourceUrl": event.sourceRunName.map { Paths.run(event.sourceDagId, $0) } ?? "",
                    "at": Format.time(event.createdAt),
                ]
            }
        }
        if !showAll && table.count > Self.taskRowsShown {
            model["allTasksUrl"] =
                Paths.run(dagId, runId)
                + HTML.query([("sort", sort.rawValue), ("order", ascending ? "asc" : nil), ("all_tasks", "1")])
                + "#tasks"
        }
        if first + Self.ganttRowsPerPage < gantt.rows.count {
            model["moreRowsUrl"] = Paths.run(dagId, runId) + HTML.query([("rows", String(ganttPage + 1))])
        }
        if ganttPage > 1 {
            model["fewerRowsUrl"] =
                Paths.run(dagId, runId) + HTML.query([("rows", ganttPage == 2 ? nil : String(ganttPage - 1))])
        }
        return html(
            "run", model, title: "\(dagId) · \(runId)", section: .dags, viewer: viewer,
            events: "dag_id=" + HTML.component(dagId) + "&dag_run_id=" + HTML.component(runId))
    }

    /// JSON text indented for reading; other text as it is.
    static func pretty(_ json: String) -> String {
        if json.trimmingCharacters(in: .whitespaces) == "{}" { return "{}" }
        guard let data = json.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data),
            let text = try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed])
        else { return json }
        return String(decoding: text, as: UTF8.self)
    }
}

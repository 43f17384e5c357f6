import Foundation
import TideCore
import TidePostgres

extension Pages {
    /// The grid: the latest runs (oldest left) × the DAG's tasks, a page of tasks at a time,
    /// each cell a link to its task instance showing its state by colour and symbol.
    func gridModel(record: DagRecord, definition: DAG, params: PageQuery) async throws -> [String: Any] {
        let runCount = try params.int("runs", default: 25, in: 1...100)
        let runOffset = try params.int("older", default: 0, in: 0...1_000_000)
        let taskPage = try params.int("tasks", default: 1, in: 1...100_000)
        var query = RunQuery()
        query.dagId = record.dagId
        query.order = [SortKey(.logicalDate, descending: true), SortKey(.id, descending: true)]
        query.limit = runCount
        query.offset = runOffset
        let page = try await service.runs.page(query)
        let runs = Array(page.items.reversed())
        let tasks = definition.tasks
        let first = (taskPage - 1) * Self.gridTasksPerPage
        let shown = first < tasks.count ? Array(tasks[first..<min(tasks.count, first + Self.gridTasksPerPage)]) : []
        let cells = try await service.taskInstances.grid(runIds: runs.map(\.id), taskIds: shown.map(\.taskId))
        let now = Date().timeIntervalSince1970
        let longest = runs.compactMap { run in run.startedAt.map { (run.endedAt ?? now) - $0 } }.max() ?? 0

        var html =
            "<table class=\"grid\" aria-label=\"Runs by task\"><thead><tr><th scope=\"col\" class=\"task\">Task</th>"
        for run in runs {
            let seconds = run.startedAt.map { (run.endedAt ?? now) - $0 }
            let height = longest > 0 ? max(4, Int(40 * (seconds ?? 0) / longest)) : 4
            let style = StateStyle(run.state)
            html += """
                <th scope="col" class="run"><a href="\(Paths.run(run.dagId, run.runId))" \
                title="\(HTML.escape(run.runId)) · \(style.label) · \(Format.time(run.logicalDate)) · \(Format.duration(seconds))" \
                data-run="\(HTML.escape(run.runId))"><span class="bar \(style.cssClass)" style="height:\(height)px"></span>\
                <span class="sym">\(style.symbol)</span></a></th>
                """
        }
        html += "</tr></thead><tbody>"
        // Cells stay small (a page of 200 tasks × 25 runs is 5,000 of them): the task is on the row,
        // the run on the column header, and the link and tooltip say the rest.
        for task in shown {
            let name = HTML.escape(task.taskId)
            // A mapped task is written as Airflow writes it: its id and "[ ]".
            let shownName = task.isMapped ? name + " <span class=\"mapped\" title=\"mapped task\">[ ]</span>" : name
            html += "<tr data-task=\"\(name)\"><th scope=\"row\" class=\"task\" title=\"\(name)\">\(shownName)</th>"
            for run in runs {
                guard let cell = cells[run.id]?[task.taskId] else {
                    html += "<td></td>"
                    continue
                }
                let style = StateStyle(cell.state)
                let tries = cell.tryNumber > 1 ? ", try \(cell.tryNumber)" : ""
                let duration = cell.durationSeconds.map { ", " + Format.duration($0) } ?? ""
                let mapped = cell.mappedStates.map { counts in
                    " · \(cell.mappedCount) mapped: "
                        + counts.sorted { $0.value > $1.value }.map { "\($0.value) \(StateStyle($0.key).label)" }
                        .joined(separator: ", ")
                }
                html += """
                    <td><a class="cell \(style.cssClass)" data-state="\(style.name)"\
                    \(cell.mappedStates == nil ? "" : " data-mapped=\"\(cell.mappedCount)\"") \
                    href="\(Paths.taskInstance(run.dagId, run.runId, task.taskId))" \
                    title="\(name): \(style.label)\(mapped ?? "")\(tries)\(duration)">\(style.symbol)</a></td>
                    """
            }
            html += "</tr>"
        }
        html += "</tbody></table>"
        let base = Paths.dag(record.dagId)
        func link(runs: Int = runCount, older: Int = runOffset, tasks: Int = taskPage) -> String {
            base
                + HTML.query([
                    ("runs", runs == 25 ? nil : String(runs)), ("older", older == 0 ? nil : String(older)),
                    ("tasks", tasks == 1 ? nil : String(tasks)),
                ])
        }
        var model: [String: Any] = [
            "html": html, "runCount": runs.count, "taskCount": tasks.count, "runTotal": page.total,
            "firstTask": shown.isEmpty ? 0 : first + 1, "lastTask": first + shown.count, "empty": runs.isEmpty,
        ]
        if runOffset + runCount < page.total { model["olderUrl"] = link(older: runOffset + runCount) }
        if runOffset > 0 { model["newerUrl"] = link(older: max(0, runOffset - runCount)) }
        if first + shown.count < tasks.count { model["moreTasksUrl"] = link(tasks: taskPage + 1) }
        if taskPage > 1 { model["fewerTasksUrl"] = link(tasks: taskPage - 1) }
        return model
    }
}

import TideCore
import TidePostgres

extension Pages {
    /// The graph tab: the DAG's current version laid out as SVG, with a chosen run's states on it
    /// (the latest run by default).
    func graphModel(definition: DAG, params: PageQuery) async throws -> [String: Any] {
        var query = RunQuery()
        query.dagId = definition.dagId
        query.order = [SortKey(.logicalDate, descending: true), SortKey(.id, descending: true)]
        query.limit = 25
        let recent = try await service.runs.page(query).items
        let chosenName = params.string("run")
        var chosen = recent.first
        if let chosenName {
            chosen = try await service.run(dagId: definition.dagId, runId: chosenName)
        }
        var states: [String: StateStyle] = [:]
        if let chosen {
            for ti in try await service.taskInstances.forRun(chosen.id) { states[ti.taskId] = StateStyle(ti.state) }
        }
        let layout = GraphLayout(tasks: definition.tasks.map { ($0.taskId, $0.upstream) })
        let svg = layout.svg(
            state: { states[$0] },
            href: { task in chosen.map { Paths.taskInstance($0.dagId, $0.runId, task) } })
        return [
            "svg": svg,
            "runs": recent.map { run in
                [
                    "runId": run.runId, "selected": run.runId == chosen?.runId,
                    "label": "\(run.runId) (\(run.state.rawValue))",
                ] as [String: Any]
            },
            "chosen": chosen?.runId ?? "",
        ]
    }
}

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
            // A mapped task's node shows the state standing for all its instances.
            var byTask: [String: [TaskState]] = [:]
            for ti in try await service.taskInstances.forRun(chosen.id) {
                byTask[ti.taskId, default: []].append(ti.state)
            }
            for (taskId, instances) in byTask {
                states[taskId] = StateStyle(instances.count == 1 ? instances[0] : TaskState.mapped(instances))
            }
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

import Yams

extension DAGFileReader {
    /// `schedule: {datasets: [URI, ...]}` (or `assets:`, Airflow 3's name).
    mutating func readDatasetSchedule(_ node: Node, key: String) -> Schedule? {
        guard let uris = datasetURIs(node, what: "schedule.\(key)") else { return nil }
        guard !uris.isEmpty else {
            report(node, "schedule.\(key) needs at least one dataset URI")
            return nil
        }
        return .datasets(uris)
    }

    /// A task's `outlets`: the datasets it updates when it succeeds.
    mutating func readOutlets(_ fields: [String: Node], kind: TaskKind?, taskId: String) -> [String] {
        guard let node = fields["outlets"], !node.isNull,
            let uris = datasetURIs(node, what: "outlets of task '\(taskId)'")
        else { return [] }
        if case .sensor(let sensor)? = kind, sensor.check.isCheckedByScheduler {
            report(node, "outlets of task '\(taskId)': an external_task sensor updates no dataset (not yet)")
            return []
        }
        return uris
    }

    /// A list of valid dataset URIs, each once.
    private mutating func datasetURIs(_ node: Node, what: String) -> [String]? {
        guard let items = stringList(node, what: what) else { return nil }
        var uris: [String] = []
        for uri in items {
            if let problem = DatasetURI.problem(uri) {
                report(node, "\(what): \(problem)")
                return nil
            }
            if !uris.contains(uri) { uris.append(uri) }
        }
        return uris
    }
}

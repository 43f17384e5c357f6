/// The UI's URLs, built in one place.
enum Paths {
    static func dag(_ dagId: String) -> String { "/dags/" + HTML.component(dagId) }
    static func run(_ dagId: String, _ runId: String) -> String { dag(dagId) + "/runs/" + HTML.component(runId) }
    /// A task instance's page; a mapped instance's (map index 0 and up) has its index in the path.
    static func taskInstance(
        _ dagId: String, _ runId: String, _ taskId: String, mapIndex: Int = -1, try tryNumber: Int? = nil
    ) -> String {
        run(dagId, runId) + "/tasks/" + HTML.component(taskId) + (mapIndex >= 0 ? "/mapped/\(mapIndex)" : "")
            + (tryNumber.map { "?try=\($0)" } ?? "")
    }
    /// The REST API path of a DAG, for the page's scripts.
    static func apiDag(_ dagId: String) -> String { "/api/v2/dags/" + HTML.component(dagId) }
    static func apiRun(_ dagId: String, _ runId: String) -> String {
        apiDag(dagId) + "/dagRuns/" + HTML.component(runId)
    }
    static func apiTaskInstance(_ dagId: String, _ runId: String, _ taskId: String, mapIndex: Int = -1) -> String {
        apiRun(dagId, runId) + "/taskInstances/" + HTML.component(taskId) + (mapIndex >= 0 ? "/\(mapIndex)" : "")
    }
}

/// The UI's URLs, built in one place.
enum Paths {
    static func dag(_ dagId: String) -> String { "/dags/" + HTML.component(dagId) }
    static func run(_ dagId: String, _ runId: String) -> String { dag(dagId) + "/runs/" + HTML.component(runId) }
    static func taskInstance(_ dagId: String, _ runId: String, _ taskId: String, try tryNumber: Int? = nil) -> String {
        run(dagId, runId) + "/tasks/" + HTML.component(taskId) + (tryNumber.map { "?try=\($0)" } ?? "")
    }
    /// The REST API path of a DAG, for the page's scripts.
    static func apiDag(_ dagId: String) -> String { "/api/v2/dags/" + HTML.component(dagId) }
    static func apiRun(_ dagId: String, _ runId: String) -> String {
        apiDag(dagId) + "/dagRuns/" + HTML.component(runId)
    }
    static func apiTaskInstance(_ dagId: String, _ runId: String, _ taskId: String) -> String {
        apiRun(dagId, runId) + "/taskInstances/" + HTML.component(taskId)
    }
}

import TideCore

/// The environment a task process gets.
enum TaskEnvironment {
    /// The worker's environment without Tide's own `TIDE_*` settings (they hold credentials),
    /// plus the try's context, plus the task's `env` (which wins).
    static func build(
        inherited: [String: String], task: TaskSpec, dag: DAG, runName: String, conf: String, tryNumber: Int
    ) -> [String: String] {
        var environment = inherited.filter { !$0.key.hasPrefix("TIDE_") }
        var params = dag.params
        // PostgreSQL returns jsonb with its own spacing; tasks get compact JSON.
        let parsedConf = (try? JSONValue.parse(conf)) ?? .object([:])
        if case .object(let overrides) = parsedConf {
            params.merge(overrides) { _, run in run }
        }
        environment["TIDE_DAG_ID"] = dag.dagId
        environment["TIDE_TASK_ID"] = task.taskId
        environment["TIDE_RUN_ID"] = runName
        environment["TIDE_TRY_NUMBER"] = String(tryNumber)
        environment["TIDE_CONF"] = parsedConf.jsonText
        environment["TIDE_PARAMS"] = JSONValue.object(params).jsonText
        environment.merge(task.env) { _, taskValue in taskValue }
        return environment
    }
}

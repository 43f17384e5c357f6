import TideCore

/// The environment a task process gets.
enum TaskEnvironment {
    /// What every try of one run of one DAG version gets alike: the run's `conf` and the DAG's
    /// `params` with the run's overrides, as compact JSON.
    struct RunPart: Sendable, Equatable {
        var conf: String
        var params: String

        init(dag: DAG, conf: String) {
            var params = dag.params
            // PostgreSQL returns jsonb with its own spacing; tasks get compact JSON.
            let parsedConf = (try? JSONValue.parse(conf)) ?? .object([:])
            if case .object(let overrides) = parsedConf {
                params.merge(overrides) { _, run in run }
            }
            self.conf = parsedConf.jsonText
            self.params = JSONValue.object(params).jsonText
        }
    }

    /// The part of `inherited` (the worker's environment) a task gets: all but Tide's own
    /// `TIDE_*` settings (they hold credentials).
    static func inheritable(_ inherited: [String: String]) -> [String: String] {
        inherited.filter { !$0.key.hasPrefix("TIDE_") }
    }

    /// The worker's environment without Tide's own `TIDE_*` settings, plus the try's context,
    /// plus the task's `env` (which wins).
    static func build(
        inherited: [String: String], task: TaskSpec, dag: DAG, runName: String, conf: String, tryNumber: Int,
        mapIndex: Int = -1, secrets: [String: String] = [:]
    ) -> [String: String] {
        build(
            inheritable: inheritable(inherited), task: task, dagId: dag.dagId, run: RunPart(dag: dag, conf: conf),
            runName: runName, tryNumber: tryNumber, mapIndex: mapIndex, secrets: secrets)
    }

    /// ``build(inherited:task:dag:runName:conf:tryNumber:mapIndex:secrets:)`` from parts made
    /// once: `inheritable` per worker, `run` per run.
    static func build(
        inheritable: [String: String], task: TaskSpec, dagId: String, run: RunPart, runName: String, tryNumber: Int,
        mapIndex: Int = -1, secrets: [String: String] = [:]
    ) -> [String: String] {
        var environment = inheritable
        environment["TIDE_DAG_ID"] = dagId
        environment["TIDE_TASK_ID"] = task.taskId
        environment["TIDE_RUN_ID"] = runName
        environment["TIDE_TRY_NUMBER"] = String(tryNumber)
        if mapIndex >= 0 { environment["TIDE_MAP_INDEX"] = String(mapIndex) }
        environment["TIDE_CONF"] = run.conf
        environment["TIDE_PARAMS"] = run.params
        environment.merge(task.env) { _, taskValue in taskValue }
        environment.merge(secrets) { _, secret in secret }
        return environment
    }

    /// The task's `secret_env` values, read from this process's environment.
    /// - Throws: ``MissingSecret`` naming the first variable that is not there (never a value).
    static func secrets(for task: TaskSpec, inherited: [String: String]) throws(MissingSecret) -> [String: String] {
        var values: [String: String] = [:]
        for (name, source) in task.secretEnv.sorted(by: { $0.key < $1.key }) {
            guard let value = inherited[source] else { throw MissingSecret(variable: name, source: source) }
            values[name] = value
        }
        return values
    }
}

/// A `secret_env` entry whose source variable this process does not have.
struct MissingSecret: Error, CustomStringConvertible {
    var variable: String
    var source: String
    var description: String {
        "secret_env \(variable): this process has no variable \(source) (give the worker, or the pod's Secret, that variable)"
    }
}

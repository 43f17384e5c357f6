import Testing
import TideCore

@testable import TideWorker

@Suite("The environment a task's process gets")
struct TaskEnvironmentTests {
    static let dag = DAG(
        dagId: "env", params: ["region": .string("eu"), "limit": .number(10)],
        tasks: [TaskSpec(taskId: "t", kind: .command(["true"]))])

    @Test func theRunsConfOverridesTheDagsParamsAndBothAreCompactJSON() {
        let part = TaskEnvironment.RunPart(dag: Self.dag, conf: #"{"limit": 3,  "extra": true}"#)
        #expect(part.conf == #"{"extra":true,"limit":3}"#)
        #expect(part.params == #"{"extra":true,"limit":3,"region":"eu"}"#)
        let unreadable = TaskEnvironment.RunPart(dag: Self.dag, conf: "not json")
        #expect(unreadable.conf == "{}")
        #expect(unreadable.params == #"{"limit":10,"region":"eu"}"#)
    }

    @Test func aTaskGetsTheWorkersEnvironmentWithoutTidesOwnSettingsAndItsEnvWins() throws {
        let task = TaskSpec(taskId: "t", env: ["HOME": "/task-home"], kind: .command(["true"]))
        let environment = TaskEnvironment.build(
            inherited: ["HOME": "/root", "PATH": "/bin", "TIDE_DATABASE_URL": "postgres://secret"], task: task,
            dag: Self.dag, runName: "manual__1", conf: "{}", tryNumber: 2, mapIndex: 4, secrets: ["TOKEN": "s"])
        #expect(
            environment == [
                "HOME": "/task-home", "PATH": "/bin", "TOKEN": "s", "TIDE_DAG_ID": "env", "TIDE_TASK_ID": "t",
                "TIDE_RUN_ID": "manual__1", "TIDE_TRY_NUMBER": "2", "TIDE_MAP_INDEX": "4", "TIDE_CONF": "{}",
                "TIDE_PARAMS": #"{"limit":10,"region":"eu"}"#,
            ])
    }

    @Test func theRunPartIsMadeOncePerRunAndVersionAndAgainWhenEitherDiffers() {
        let runs = RunEnvironments(capacity: 2)
        let first = runs.part(dag: Self.dag, dagHash: "h1", conf: #"{"limit":1}"#)
        #expect(runs.part(dag: Self.dag, dagHash: "h1", conf: #"{"limit":1}"#) == first)
        var changed = Self.dag
        changed.params["region"] = .string("us")
        let newVersion = runs.part(dag: changed, dagHash: "h2", conf: #"{"limit":1}"#)
        #expect(newVersion.params == #"{"limit":1,"region":"us"}"#)
        let otherRun = runs.part(dag: Self.dag, dagHash: "h1", conf: #"{"limit":2}"#)
        #expect(otherRun.params == #"{"limit":2,"region":"eu"}"#)
        #expect(runs.count <= 2)
    }
}

import Foundation
import Testing

@testable import TideCore

/// A task with every field away from its default.
private func everyFieldSet() -> TaskSpec {
    var task = TaskSpec(
        taskId: "full", upstream: ["plain"], retries: 2, retryDelaySeconds: 7, executionTimeoutSeconds: 60,
        env: ["A": "1"], queue: "heavy", priorityWeight: 5, kind: .command(["echo", "hi"]),
        triggerRule: .allDone, dependsOnPast: true, retryExponentialBackoff: true, maxRetryDelaySeconds: 90,
        weightRule: .absolute, pool: "small", poolSlots: 2, maxActiveTisPerDag: 3,
        callbacks: Callbacks(onFailure: [CallbackSpec(url: "http://127.0.0.1:9/hook")]),
        executor: TaskExecutor(kind: .kubernetes, nodePool: "batch"))
    task.secretEnv = ["TOKEN": "TIDE_SECRET_TOKEN"]
    task.doXcomPush = true
    task.branch = true
    task.branchChoices = ["plain"]
    task.outlets = ["s3://bucket/out"]
    task.expand = TaskExpansion(arguments: [.init(name: "n", source: .literal([.number(1), .number(2)]))])
    return task
}

private let dag = DAG(
    dagId: "stored", tasks: [TaskSpec(taskId: "plain", kind: .command(["true"])), everyFieldSet()],
    fileloc: "stored.yaml")

/// The stored task objects, by task id.
private func storedTasks(_ json: String) throws -> [String: [String: Any]] {
    let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    let tasks = object?["tasks"] as? [[String: Any]] ?? []
    return Dictionary(
        uniqueKeysWithValues: tasks.compactMap { task in (task["task_id"] as? String).map { ($0, task) } })
}

@Suite("Stored DAG definitions: defaults left out, the hashed form unchanged")
struct StoredDefinitionTests {
    /// Workers and API servers of the previous release (still running during a rolling upgrade)
    /// required these fields: without them they could not read a version a new scheduler stored.
    @Test func aTaskAtEveryDefaultKeepsOnlyWhatEarlierReadersRequire() throws {
        let plain = try #require(try storedTasks(dag.storedJSON())["plain"])
        #expect(
            Set(plain.keys) == [
                "task_id", "kind", "upstream", "retries", "retry_delay_seconds", "env", "queue", "priority_weight",
            ])
    }

    /// The fields this release's readers default may be left out by a later release's writers.
    @Test func aTaskWithoutTheFieldsEarlierReadersRequiredStillReads() throws {
        let json =
            #"{"dag_id":"bare","description":"","fileloc":"bare.yaml","params":{},"tags":[],"#
            + #""tasks":[{"task_id":"t","kind":{"command":["true"]}}]}"#
        #expect(
            try DAG.deserialize(json)
                == DAG(dagId: "bare", tasks: [TaskSpec(taskId: "t", kind: .command(["true"]))], fileloc: "bare.yaml"))
    }

    @Test func aTaskAwayFromEveryDefaultKeepsEveryField() throws {
        let full = try #require(try storedTasks(dag.storedJSON())["full"])
        #expect(
            Set(full.keys) == [
                "task_id", "upstream", "retries", "retry_delay_seconds", "execution_timeout_seconds", "env", "queue",
                "priority_weight", "kind", "trigger_rule", "depends_on_past", "retry_exponential_backoff",
                "max_retry_delay_seconds", "weight_rule", "pool", "pool_slots", "max_active_tis_per_dag", "callbacks",
                "executor", "secret_env", "do_xcom_push", "branch", "branch_choices", "outlets", "expand",
            ])
    }

    @Test func theStoredFormReadsBackAsTheSameDAG() throws {
        #expect(try DAG.deserialize(dag.storedJSON()) == dag)
        #expect(try DAG.deserialize(dag.serializedJSON()) == dag)
    }

    /// The canonical form is what `content_hash` is computed from: a change to it would store a new
    /// version of every DAG at the first sync after an upgrade.
    @Test func theCanonicalFormOfAPlainTaskIsAsBefore() throws {
        let plain = try #require(try storedTasks(dag.serializedJSON())["plain"])
        #expect(
            Set(plain.keys) == [
                "task_id", "upstream", "retries", "retry_delay_seconds", "env", "queue", "priority_weight", "kind",
                "trigger_rule", "depends_on_past", "retry_exponential_backoff", "pool", "pool_slots", "callbacks",
                "secret_env", "do_xcom_push",
            ])
        let single = DAG(dagId: "one", tasks: [TaskSpec(taskId: "t", kind: .command(["true"]))], fileloc: "one.yaml")
        #expect(
            single.serializedJSON()
                == #"{"callbacks":{"on_failure":[],"on_retry":[],"on_success":[]},"dag_id":"one","description":"","#
                + #""fileloc":"one.yaml","max_active_runs":16,"max_active_tasks":16,"params":{},"#
                + #""schedule":{"kind":"manual"},"tags":[],"tasks":[{"callbacks":{"on_failure":[],"on_retry":[],"#
                + #""on_success":[]},"depends_on_past":false,"do_xcom_push":false,"env":{},"kind":{"command":["true"]},"#
                + #""pool":"default_pool","pool_slots":1,"priority_weight":1,"queue":"default","retries":0,"#
                + #""retry_delay_seconds":300,"retry_exponential_backoff":false,"secret_env":{},"task_id":"t","#
                + #""trigger_rule":"all_success","upstream":[]}]}"#)
    }
}

import Foundation
import Testing
import TideCore
import TidePostgres
import TideRedis
import TideTestSupport

/// Dynamic task mapping: a task expands over a literal list or another task's result into mapped
/// instances that run, fail and retry each on its own; a downstream task reads all their results
/// as a list; nothing to map over skips; a result that cannot be mapped fails the task that
/// published it (as Airflow does); a clear re-expands over what the upstream task returns now.
@Suite("Dynamic task mapping", .serialized)
struct MappingTests {
    static let dag = """
        dag_id: mapping
        tasks:
          - task_id: list_files
            bash: |
              if [ "$TIDE_TRY_NUMBER" = 1 ]; then echo '["a.csv", "b.csv", "c.csv"]'; else echo '["d.csv", "e.csv"]'; fi \\
                > "$TIDE_XCOM_DIR/return_value.json"
          - task_id: load
            expand:
              file: {from: list_files}
            retries: 1
            retry_delay: 100ms
            bash: |
              echo "loading {{ expanded.file }} as instance {{ ti.map_index }} (env $TIDE_MAP_INDEX), try $TIDE_TRY_NUMBER"
              if [ "{{ expanded.file }}" = b.csv ] && [ "$TIDE_TRY_NUMBER" = 1 ]; then exit 1; fi
              echo "{\\"file\\": \\"{{ expanded.file }}\\"}" > "$TIDE_XCOM_DIR/return_value.json"
          - task_id: total
            upstream: [load]
            bash: echo 'loaded {{ ti.xcom_pull(task_ids="load") }}'
          - task_id: verify
            expand:
              loaded: {from: load}
            bash: echo 'verified {{ expanded.loaded.file }}'
          - task_id: regions
            expand:
              region: [eu, us]
              tier: [1, 2]
            command: ["echo", "{{ expanded.region }}-{{ expanded.tier }}"]
          - task_id: list_nothing
            bash: echo '[]' > "$TIDE_XCOM_DIR/return_value.json"
          - task_id: per_nothing
            expand:
              item: {from: list_nothing}
            bash: echo never
          - task_id: after_nothing
            upstream: [per_nothing]
            bash: echo never
          - task_id: cleanup
            upstream: [per_nothing]
            trigger_rule: all_done
            bash: echo cleaned
          - task_id: list_bad
            bash: echo '"not a list"' > "$TIDE_XCOM_DIR/return_value.json"
          - task_id: per_bad
            expand:
              item: {from: list_bad}
            bash: echo never
        """

    @Test func mappedInstancesRunRetryAndReexpandAlone() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG("mapping.yaml", Self.dag)
            try await cluster.start(loading: "mapping")
            let run = try await cluster.runToEnd("mapping")
            #expect(run.state == .failed)

            let load = try await cluster.mapped(run.id, "load")
            #expect(load.map(\.mapIndex) == [0, 1, 2])
            #expect(load.map(\.state) == [.success, .success, .success])
            // The failing instance was retried alone.
            #expect(load.map(\.tryNumber) == [1, 2, 1])
            let second = try await cluster.tasks.logs(runId: run.id, taskId: "load", mapIndex: 1)
            #expect(second.map(\.tryNumber) == [1, 2])
            #expect(
                second.first?.content.contains("loading b.csv as instance 1 (env 1), try 1") == true,
                "\(second.first?.content ?? "no log")")

            // Mapped over a mapped task's results: one instance per load instance.
            let verified = try await cluster.mapped(run.id, "verify")
            #expect(verified.map(\.state) == [.success, .success, .success])
            let lastVerify = try await cluster.tasks.logs(runId: run.id, taskId: "verify", mapIndex: 2)
            #expect(lastVerify.first?.content.contains("verified c.csv") == true, "\(lastVerify)")
            let total = try await cluster.firstLog(run.id, "total")
            #expect(
                total.contains(#"loaded [{"file":"a.csv"},{"file":"b.csv"},{"file":"c.csv"}]"#), "\(total)")

            let regions = try await cluster.mapped(run.id, "regions")
            var printed: [String] = []
            for instance in regions {
                let log = try await cluster.tasks.logs(runId: run.id, taskId: "regions", mapIndex: instance.mapIndex)
                printed.append(log.first?.content.split(separator: "\n").first.map(String.init) ?? "")
            }
            #expect(printed == ["eu-1", "eu-2", "us-1", "us-2"])

            var tasks = try await cluster.instances(run.id)
            // Mapped over nothing: skipped, as are the tasks that need it (all_done still runs).
            let nothing = try await cluster.mapped(run.id, "per_nothing")
            #expect(nothing.map(\.mapIndex) == [-1])
            #expect(nothing.map(\.state) == [.skipped])
            #expect(tasks["after_nothing"]?.state == .skipped)
            #expect(tasks["cleanup"]?.state == .success)
            // A result that cannot be mapped fails the task that published it.
            #expect(tasks["list_bad"]?.state == .failed)
            #expect(tasks["per_bad"]?.state == .upstreamFailed)
            let bad = try await cluster.firstLog(run.id, "list_bad")
            #expect(
                bad.contains(
                    "result 'return_value' is expanded over by a mapped task: a mapped task expands over a list or an object, not a string"
                ), "\(bad)")

            // A clear of the task whose result is mapped over, with its downstream: its second try
            // returns two files, so load has two instances now, each with one more try.
            let cleared = try await cluster.cli(["tasks", "clear", String(run.id), "list_files", "--downstream"])
            #expect(cleared.status == 0, "\(cleared.output)")
            try await Eventually.that("load to be expanded again and total to run", describe: cluster.logs) {
                let tasks = try await cluster.instances(run.id)
                let verify = try await cluster.mapped(run.id, "verify")
                return tasks["list_files"]?.tryNumber == 2 && tasks["total"]?.tryNumber == 2
                    && tasks["total"]?.state.isFinished == true && verify.allSatisfy { $0.state.isFinished }
            }
            let reloaded = try await cluster.mapped(run.id, "load")
            #expect(reloaded.map(\.mapIndex) == [0, 1])
            #expect(reloaded.map(\.state) == [.success, .success])
            #expect(reloaded.map(\.tryNumber) == [2, 3])
            #expect(reloaded.map(\.mapItem) == [#"{"file": "d.csv"}"#, #"{"file": "e.csv"}"#])
            #expect(try await cluster.mapped(run.id, "verify").map(\.mapIndex) == [0, 1])
            let totals = try await cluster.tasks.logs(runId: run.id, taskId: "total")
            #expect(
                totals.last?.content.contains(#"loaded [{"file":"d.csv"},{"file":"e.csv"}]"#) == true,
                "\(totals.last?.content ?? "no log")")
            tasks = try await cluster.instances(run.id)
            #expect(tasks["total"]?.state == .success)
        }
    }
}

/// Mapped instances in pods: an `executor: kubernetes` task publishes the list from its pod, and a
/// `kubernetes_pod` task maps over it, each instance in a pod of its own, no more at once than its
/// `max_active_tis_per_dag`.
@Suite("Mapped pod tasks", .serialized)
struct MappedPodTests {
    @Test func eachMappedInstanceRunsInItsOwnPodWithinItsLimit() async throws {
        try await withPodCluster(workerSecret: "tide-worker") { cluster, sim, config in
            try await sim.client.createSecret(
                name: "tide-worker", namespace: "default", values: ["TIDE_DATABASE_URL": cluster.schema.url])
            try cluster.writeDAG(
                "mapped_pods.yaml",
                """
                dag_id: mapped_pods
                tasks:
                  - task_id: shards
                    executor: kubernetes
                    bash: echo '[10, 20, 30]' > "$TIDE_XCOM_DIR/return_value.json"
                  - task_id: per_shard
                    expand:
                      shard: {from: shards}
                    max_active_tis_per_dag: 1
                    kubernetes_pod:
                      image: busybox
                      cmds: [sh, -c, "echo shard {{ expanded.shard }} is instance {{ ti.map_index }}; sleep 0.2"]
                """)
            try await cluster.start(loading: "mapped_pods", config: config)
            let run = try await cluster.waitForRun(try await cluster.trigger("mapped_pods").id, timeout: 120)
            #expect(run.state == .success)
            let instances = try await cluster.mapped(run.id, "per_shard")
            #expect(instances.map(\.mapIndex) == [0, 1, 2])
            let pods = instances.compactMap(\.externalId)
            #expect(Set(pods).count == 3, "\(pods)")
            for instance in instances {
                let log = try await cluster.tasks.logs(runId: run.id, taskId: "per_shard", mapIndex: instance.mapIndex)
                let shard = (instance.mapIndex + 1) * 10
                #expect(
                    log.first?.content.contains("shard \(shard) is instance \(instance.mapIndex)\n") == true,
                    "\(log.first?.content ?? "no log")")
            }
            // max_active_tis_per_dag: 1 holds for the mapped instances: they ran one after another.
            let spans = instances.compactMap { ti in ti.startedAt.flatMap { start in ti.endedAt.map { (start, $0) } } }
                .sorted { $0.0 < $1.0 }
            #expect(spans.count == 3)
            for (earlier, later) in zip(spans, spans.dropFirst()) { #expect(earlier.1 <= later.0) }
        }
    }
}

/// The same DAG shapes as `scripts/airflow-reference/mapping.py` ran through Airflow 3.3.2
/// (`Fixtures/airflow-mapping.json`): every task instance, mapped or not, ends in Airflow's state,
/// and so does each run.
@Suite("Mapping outcomes as Airflow's", .serialized)
struct AirflowMappingReferenceTests {
    struct Reference: Decodable {
        struct Case: Decodable {
            var name: String
            var returns: JSONValue?
            var run_state: String
            var instances: [[JSONValue]]
        }
        var max_map_length: Int
        var cases: [Case]
    }

    static func reference() throws -> Reference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/airflow-mapping.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    /// The case's DAG in Tide's YAML: `make` publishes the value (or nothing), `each` maps over it.
    static func dag(_ reference: Reference.Case) -> String {
        let make =
            switch reference.returns {
            case nil, .null?: "true"
            case let value?: "echo '\(value.jsonText)' > \"$TIDE_XCOM_DIR/return_value.json\""
            }
        return """
            dag_id: map_\(reference.name)
            tasks:
              - task_id: make
                bash: |
                  \(make)
              - task_id: each
                expand:
                  x: {from: make}
                bash: "if [ '{{ expanded.x }}' = bad ]; then exit 1; fi"
              - task_id: collect
                upstream: [each]
                trigger_rule: all_done
                bash: echo collected
              - task_id: after
                upstream: [each]
                empty: true
            """
    }

    @Test func everyInstanceEndsAsInAirflow() async throws {
        let reference = try Self.reference()
        #expect(reference.cases.count == 7)
        try await withCluster { cluster in
            for item in reference.cases { try cluster.writeDAG("map_\(item.name).yaml", Self.dag(item)) }
            let limit = ["TIDE_WORKER_MAX_MAP_LENGTH": String(reference.max_map_length)]
            _ = try cluster.startScheduler(limit)
            _ = try cluster.startWorker(concurrency: 4, limit)
            for item in reference.cases { try await cluster.waitForDAG("map_\(item.name)") }
            var runs: [String: Int64] = [:]
            for item in reference.cases { runs[item.name] = try await cluster.trigger("map_\(item.name)").id }
            for item in reference.cases {
                let runId = try #require(runs[item.name])
                let run = try await cluster.waitForRun(runId)
                #expect(run.state.rawValue == item.run_state, "\(item.name)")
                let instances = try await cluster.tasks.forRun(runId)
                    .map { "\($0.taskId) \($0.mapIndex) \($0.state.rawValue)" }.sorted()
                let expected = item.instances.map { fields in
                    fields.map { field in
                        switch field {
                        case .string(let text): text
                        case .number(let number): String(Int(number))
                        default: "?"
                        }
                    }.joined(separator: " ")
                }.sorted()
                #expect(instances == expected, "\(item.name)")
            }
        }
    }
}

/// An `external_task` sensor waiting for another DAG's mapped task sees the state that stands for
/// all its instances: one failed instance is a failed task, whichever instance finished last.
@Suite("Waiting for a mapped task", .serialized)
struct ExternalSensorOnMappedTaskTests {
    @Test func aFailedInstanceFailsTheSensorWaitingForTheTask() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "mapped_source.yaml",
                """
                dag_id: mapped_source
                tasks:
                  - task_id: load
                    expand:
                      delay: [0, 0.3, 0.6]
                    bash: "sleep {{ expanded.delay }}; [ {{ ti.map_index }} != 0 ]"
                """)
            try cluster.writeDAG(
                "mapped_watch.yaml",
                """
                dag_id: mapped_watch
                tasks:
                  - task_id: wait_for_load
                    sensor:
                      external_task: {dag_id: mapped_source, task_id: load, failed_states: [failed]}
                      mode: reschedule
                      poke_interval: 1s
                      timeout: 1m
                """)
            try await cluster.start(loading: "mapped_source")
            try await cluster.waitForDAG("mapped_watch")
            let day = (Date().timeIntervalSince1970 / 86400).rounded(.down) * 86400
            var runs: [RunRecord] = []
            for dagId in ["mapped_source", "mapped_watch"] {
                let run = try await cluster.runs.trigger(dagId: dagId, logicalDate: day)
                try await EventChannel(keys: cluster.prefix.keys).publish(
                    TaskEvent(kind: .runCreated, runId: run.id), on: cluster.redis)
                runs.append(run)
            }
            let source = try await cluster.waitForRun(runs[0].id)
            #expect(source.state == .failed)
            #expect(try await cluster.mapped(source.id, "load").map(\.state) == [.failed, .success, .success])
            let watch = try await cluster.waitForRun(runs[1].id)
            #expect(watch.state == .failed)
            let sensor = try await cluster.instances(watch.id)["wait_for_load"]
            #expect(sensor?.state == .failed)
        }
    }
}

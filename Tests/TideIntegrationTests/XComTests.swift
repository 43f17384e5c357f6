import Foundation
import Testing
import TideCore
import TidePostgres
import TideTestSupport

/// Results passed between local tasks (XCom): published as files or the last line of output,
/// read in templates with Airflow's `ti.xcom_pull`, listed by `tide tasks xcom`, gone with a clear.
@Suite("Results passed between tasks (XCom)", .serialized)
struct XComTests {
    @Test func valuesPublishedByOneTaskAreReadByAnotherAndAClearRemovesThem() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "results.yaml",
                """
                dag_id: results
                tasks:
                  - task_id: extract
                    bash: |
                      echo '{"rows": 3, "path": "s3://b/x.csv"}' > "$TIDE_XCOM_DIR/return_value.json"
                      echo 7 > "$TIDE_XCOM_DIR/count.json"
                      echo extracted
                  - task_id: last_line
                    do_xcom_push: true
                    bash: 'echo first; echo "s3://bucket/{{ ds }}.csv"; echo'
                  - task_id: quiet
                    bash: 'true'
                  - task_id: load
                    upstream: [extract, last_line, quiet]
                    env: {FROM_ENV: "{{ ti.xcom_pull(task_ids='last_line') }}"}
                    bash: |
                      echo 'got {{ ti.xcom_pull(task_ids="extract") }}'
                      echo "count {{ ti.xcom_pull(task_ids='extract', key='count') }}"
                      echo "env $FROM_ENV"
                      echo "quiet {{ ti.xcom_pull('quiet') }}"
                  - task_id: too_big
                    bash: 'python3 -c "import json; print(json.dumps(\\"x\\" * 60000))" > "$TIDE_XCOM_DIR/return_value.json"'
                  - task_id: not_json
                    bash: 'echo "not json" > "$TIDE_XCOM_DIR/return_value.json"'
                """)
            try cluster.startScheduler()
            try cluster.startWorker(concurrency: 4)
            try await cluster.waitForDAG("results")
            let run = try await cluster.runToEnd("results")
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["load"]?.state == .success)
            let load = try await cluster.firstLog(run.id, "load")
            #expect(load.contains("got {\"path\":\"s3://b/x.csv\",\"rows\":3}\n"), "\(load)")
            #expect(load.contains("count 7\n"), "\(load)")
            #expect(
                load.range(of: #"env s3://bucket/\d{4}-\d\d-\d\d\.csv\n"#, options: .regularExpression) != nil,
                "\(load)")
            #expect(load.contains("quiet None\n"), "a task that published nothing reads as None: \(load)")
            #expect(tasks["too_big"]?.state == .failed)
            #expect(
                try await cluster.firstLog(run.id, "too_big").contains(
                    "result 'return_value' is 60003 bytes, over worker.xcom_max_bytes (49152)"))
            #expect(tasks["not_json"]?.state == .failed)
            #expect(
                try await cluster.firstLog(run.id, "not_json").contains(
                    "result 'return_value' ($TIDE_XCOM_DIR/return_value.json) is not JSON"))

            let listed = try await cluster.cli(["tasks", "xcom", String(run.id), "extract"])
            #expect(listed.status == 0, "\(listed.output)")
            #expect(listed.output.contains("count         1    7"), "\(listed.output)")
            #expect(
                listed.output.contains(#"return_value  1    {"path": "s3://b/x.csv", "rows": 3}"#), "\(listed.output)")

            // A clear removes what the cleared task published (as Airflow deletes its XComs). The
            // scheduler runs the cleared task again at once, so only its first try's values are looked for.
            _ = try await cluster.tasks.clear(runId: run.id, retries: ["extract": 0], stopGraceSeconds: 1)
            let firstTrysValues = try await cluster.schema.pool.query(
                """
                SELECT count(*) AS n FROM xcom x JOIN task_instances ti ON ti.id = x.task_instance_id
                WHERE ti.run_id = $1 AND ti.task_id = 'extract' AND x.try_number = 1
                """, [String(run.id)]
            ).rows.first?.int("n")
            #expect(firstTrysValues == 0)
            #expect(
                try await XComStore(pool: cluster.schema.pool).entries(runId: run.id, taskId: "last_line").count == 1)
        }
    }
}

/// An `executor: kubernetes` task publishes from its pod (`tide tasks run` stores what the command
/// published while the try runs), and a pod task and a local task read it; a branch chooses there.
@Suite("Results published from executor pods", .serialized)
struct ExecutorPodXComTests {
    @Test func anExecutorPodPublishesAndOtherTasksReadIt() async throws {
        try await withPodCluster(workerSecret: "tide-worker") { cluster, sim, config in
            try await sim.client.createSecret(
                name: "tide-worker", namespace: "default", values: ["TIDE_DATABASE_URL": cluster.schema.url])
            try cluster.writeDAG(
                "remote_results.yaml",
                """
                dag_id: remote_results
                tasks:
                  - task_id: produce
                    executor: kubernetes
                    do_xcom_push: true
                    bash: |
                      echo '["a", "b"]' > "$TIDE_XCOM_DIR/files.json"
                      echo "computed in $HOSTNAME"
                  - task_id: consume_in_pod
                    upstream: [produce]
                    kubernetes_pod:
                      image: busybox
                      cmds: [echo, "pod read {{ ti.xcom_pull(task_ids='produce', key='files') }}"]
                  - task_id: consume_here
                    upstream: [produce]
                    bash: echo 'here read {{ ti.xcom_pull(task_ids="produce") }}'
                  - task_id: route
                    executor: kubernetes
                    branch: true
                    bash: echo left
                  - {task_id: left, upstream: [route], empty: true}
                  - {task_id: right, upstream: [route], empty: true}
                """)
            try await cluster.start(loading: "remote_results", config: config)
            let run = try await cluster.runToEnd("remote_results")
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["produce"]?.state == .success)
            let (_, pod) = try await cluster.podOf(run.id, "produce")
            let inPod = try await cluster.firstLog(run.id, "consume_in_pod")
            #expect(inPod.contains(#"pod read ["a","b"]"#), "\(inPod)")
            let here = try await cluster.firstLog(run.id, "consume_here")
            #expect(here.contains("here read computed in \(pod)\n"), "\(here)")
            // A branch whose command ran in its pod chooses as a local one does.
            #expect(tasks["route"]?.state == .success)
            #expect(tasks["left"]?.state == .success)
            #expect(tasks["right"]?.state == .skipped)
            let route = try await cluster.firstLog(run.id, "route")
            #expect(route.contains("branch: following left; skipping right"), "\(route)")
        }
    }
}

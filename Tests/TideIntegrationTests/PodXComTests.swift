import Foundation
import Testing
import TideCore
import TidePostgres
import TideTestSupport

/// A `kubernetes_pod` task with `do_xcom_push` publishes what it writes to
/// `/airflow/xcom/return.json`, as KubernetesPodOperator's users do: the container's termination
/// message carries it (the simulator mounts a file of the pod's own there, as the kubelet does),
/// local and mapped tasks read it, and a value that is not JSON or too large fails the try.
@Suite("Results published by kubernetes_pod tasks", .serialized)
struct PodXComTests {
    static let dag = """
        dag_id: pod_results
        tasks:
          - task_id: extract
            bash: |
              echo '{"table": "sales"}' > "$TIDE_XCOM_DIR/return_value.json"
          - task_id: list_in_pod
            upstream: [extract]
            do_xcom_push: true
            kubernetes_pod:
              image: busybox
              cmds: [sh, -c]
              arguments: ["echo 'listing {{ ti.xcom_pull(task_ids=\\"extract\\") }}'; echo '[\\"a.csv\\", \\"b.csv\\"]' > /airflow/xcom/return.json"]
          - task_id: read_here
            upstream: [list_in_pod]
            bash: echo 'read {{ ti.xcom_pull(task_ids="list_in_pod") }}'
          - task_id: per_file
            expand:
              file: {from: list_in_pod}
            bash: echo 'file {{ expanded.file }}'
          - task_id: writes_nothing
            do_xcom_push: true
            kubernetes_pod: {image: busybox, cmds: [echo, no result]}
          - task_id: not_json
            do_xcom_push: true
            kubernetes_pod: {image: busybox, cmds: [sh, -c, "echo rows=3 > /airflow/xcom/return.json"]}
          - task_id: too_large
            do_xcom_push: true
            kubernetes_pod: {image: busybox, cmds: [sh, -c, "head -c 6000 /dev/zero | tr '\\\\0' x > /airflow/xcom/return.json"]}
          - task_id: no_push
            kubernetes_pod: {image: busybox, cmds: [sh, -c, "echo '[1]'"]}
          - task_id: route_in_pod
            branch: [left, right]
            kubernetes_pod: {image: busybox, cmds: [sh, -c, "echo '\\"left\\"' > /airflow/xcom/return.json"]}
          - {task_id: left, upstream: [route_in_pod], bash: 'true'}
          - {task_id: right, upstream: [route_in_pod], bash: 'true'}
        """

    @Test func podResultsReachLocalAndMappedTasks() async throws {
        try await withPodCluster { cluster, _, config in
            try cluster.writeDAG("pod_results.yaml", Self.dag)
            try await cluster.start(loading: "pod_results", config: config)
            let run = try await cluster.waitForRun(try await cluster.trigger("pod_results").id, timeout: 120)
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["list_in_pod"]?.state == .success)
            let podLog = try await cluster.firstLog(run.id, "list_in_pod")
            #expect(podLog.contains(#"listing {"table":"sales"}"#), "\(podLog)")
            #expect(podLog.contains("published the return value from /airflow/xcom/return.json"), "\(podLog)")
            let stored = try await XComStore(pool: cluster.schema.pool).entries(runId: run.id, taskId: "list_in_pod")
            #expect(stored.map { "\($0.key)=\($0.value)" } == [#"return_value=["a.csv", "b.csv"]"#])
            let read = try await cluster.firstLog(run.id, "read_here")
            #expect(read.contains(#"read ["a.csv","b.csv"]"#), "\(read)")
            let mapped = try await cluster.mapped(run.id, "per_file")
            #expect(mapped.map(\.state) == [.success, .success])
            // Nothing written: nothing published, and the pod task succeeds (as KPO).
            #expect(tasks["writes_nothing"]?.state == .success)
            #expect(
                try await XComStore(pool: cluster.schema.pool).entries(runId: run.id, taskId: "writes_nothing").isEmpty)
            #expect(tasks["not_json"]?.state == .failed)
            let notJSON = try await cluster.firstLog(run.id, "not_json")
            #expect(notJSON.contains("/airflow/xcom/return.json is not JSON"), "\(notJSON)")
            #expect(tasks["too_large"]?.state == .failed)
            let tooLarge = try await cluster.firstLog(run.id, "too_large")
            #expect(
                tooLarge.contains(
                    "/airflow/xcom/return.json is over 4096 bytes, the most a pod's termination message carries"),
                "\(tooLarge)")
            // Without do_xcom_push nothing is read (not even a JSON last line, unlike BashOperator's).
            #expect(tasks["no_push"]?.state == .success)
            #expect(try await XComStore(pool: cluster.schema.pool).entries(runId: run.id, taskId: "no_push").isEmpty)
            // A kubernetes_pod branch returns its choice in the file.
            #expect(tasks["left"]?.state == .success)
            #expect(tasks["right"]?.state == .skipped)
            let route = try await cluster.firstLog(run.id, "route_in_pod")
            #expect(route.contains("[tide] branch: following left; skipping right"), "\(route)")
        }
    }
}

import Foundation
import Testing
import TideCore
import TidePostgres
import TideTestSupport

/// Pod tasks of one DAG on two clusters (two simulators): the worker's own connection and a named
/// one (`kubernetes_conn_id`); with the second cluster down, the first still serves its tasks.
@Suite("Named Kubernetes connections", .serialized)
struct KubernetesConnectionsTests {
    static let oneNode = "node_pools:\n  - {name: default, min_nodes: 1, max_nodes: 1}\n"

    @Test func twoTasksOfOneDAGUseTwoClustersAndOneDownFailsOnlyItsTask() async throws {
        try await KubeSim.with(configuration: Self.oneNode) { first in
            try await KubeSim.with(configuration: Self.oneNode) { second in
                try await withCluster { cluster in
                    let config = first.folder + "/two-clusters.yaml"
                    try """
                    kubernetes:
                      kubeconfig: \(first.kubeconfigPath)
                      connections:
                        second: {kubeconfig: \(second.kubeconfigPath), namespace: jobs}
                    """.write(toFile: config, atomically: true, encoding: .utf8)
                    try cluster.writeDAG(
                        "two.yaml",
                        """
                        dag_id: two
                        tasks:
                          - task_id: here
                            kubernetes_pod: {image: busybox, cmds: [echo, on the first], on_finish: keep_pod}
                          - task_id: there
                            kubernetes_pod: {image: busybox, cmds: [echo, on the second], on_finish: keep_pod, kubernetes_conn_id: second}
                          - task_id: nowhere
                            kubernetes_pod: {image: busybox, cmds: ["true"], kubernetes_conn_id: third}
                        """)
                    // `tide dags validate` with the workers' configuration names the unknown connection.
                    let validation = try await cluster.cli(["dags", "validate", cluster.dagsFolder, "--config", config])
                    #expect(validation.status == 1)
                    #expect(
                        validation.output.contains(
                            "unknown Kubernetes connection 'third' in kubernetes_pod of task 'nowhere'"),
                        "\(validation.output)")
                    // The scheduler here knows no connections (they are the workers'), so the DAG
                    // loads and the worker's own check fails the task that names an unknown one.
                    try cluster.startScheduler()
                    try cluster.startWorker(concurrency: 4, ["TIDE_CONFIG": config])
                    try await cluster.waitForDAG("two")
                    let run = try await cluster.runToEnd("two")
                    let tasks = try await cluster.instances(run.id)
                    #expect(tasks["here"]?.state == .success)
                    #expect(tasks["there"]?.state == .success)
                    #expect(tasks["nowhere"]?.state == .failed)
                    #expect(try await cluster.firstLog(run.id, "here").contains("on the first\n"))
                    #expect(try await cluster.firstLog(run.id, "there").contains("on the second\n"))
                    #expect(
                        try await cluster.firstLog(run.id, "nowhere").contains(
                            "[tide] failed to start: unknown Kubernetes connection 'third' (configured: second)"))
                    // Each pod is in its own cluster: the named connection's namespace on the second.
                    let (hereNamespace, herePod) = try await cluster.podOf(run.id, "here")
                    let (thereNamespace, therePod) = try await cluster.podOf(run.id, "there")
                    #expect(hereNamespace == "default" && thereNamespace == "jobs")
                    #expect(try await first.client.pod(namespace: "default", name: herePod) != nil)
                    #expect(try await second.client.pod(namespace: "jobs", name: therePod) != nil)
                    #expect(try await first.client.pod(namespace: "jobs", name: therePod) == nil)

                    // The second cluster goes away: its task fails with the reason, the first's still runs.
                    await second.process.stop()
                    let later = try await cluster.runToEnd("two")
                    let afterwards = try await cluster.instances(later.id)
                    #expect(afterwards["here"]?.state == .success)
                    #expect(afterwards["there"]?.state == .failed)
                    #expect(try await cluster.firstLog(later.id, "there").contains("[tide] cannot create the pod: "))
                }
            }
        }
    }
}

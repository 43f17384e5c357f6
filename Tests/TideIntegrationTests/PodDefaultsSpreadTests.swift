import Foundation
import Testing
import TideCore
import TideHTTP
import TideKube
import TidePostgres
import TideTestSupport

/// `kubernetes.pod_defaults` from tide.yaml, applied by a real worker: a site-wide spread
/// constraint (no selector: each task's own pods) places six runs of one pod task two to a node
/// on a three-node pool, where without it they would all land on the first node.
@Suite("Site-wide pod defaults on the simulator", .serialized)
struct PodDefaultsSpreadTests {
    static let threeNodes = """
        node_pools:
          - {name: spread, cpu: "8", memory: 32Gi, min_nodes: 3, max_nodes: 3}
        """

    @Test func sixPodsOfASpreadTaskLandTwoOnEachOfThreeNodes() async throws {
        try await KubeSim.with(configuration: Self.threeNodes) { sim in
            try await withCluster { cluster in
                let config = sim.folder + "/tide-spread.yaml"
                try """
                kubernetes:
                  kubeconfig: \(sim.kubeconfigPath)
                  pod_defaults:
                    labels: {team: data}
                    topology_spread_constraints:
                      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule}
                """.write(toFile: config, atomically: true, encoding: .utf8)
                try cluster.writeDAG(
                    "spread.yaml",
                    """
                    dag_id: spread
                    max_active_runs: 6
                    tasks:
                      - task_id: crunch
                        kubernetes_pod: {image: busybox, cmds: [sleep, "6"], on_finish: keep_pod}
                    """)
                let scheduler = try cluster.startProcess(
                    ["scheduler", "--metrics-port", "0"], ["TIDE_CONFIG": config, "TIDE_SCALING_INTERVAL": "300ms"])
                let metricsURL = try await ScalingSupport.listeningURL(of: scheduler, logs: cluster.logs)
                try cluster.startWorker(concurrency: 8, ["TIDE_CONFIG": config])
                try await cluster.waitForDAG("spread")
                // Queued while paused and released together, so that the six pods run at the same
                // time even on a busy machine (triggered one by one, they could start a second apart).
                #expect(try await cluster.cli(["dags", "pause", "spread"]).status == 0)
                var runs: [RunRecord] = []
                for _ in 0..<6 { runs.append(try await cluster.trigger("spread")) }
                #expect(try await cluster.cli(["dags", "unpause", "spread"]).status == 0)
                // While they run, the scheduler's /metrics has a gauge of running pod tasks per node.
                let gauges = try await Eventually.value("two pods per node in /metrics", describe: cluster.logs) {
                    let samples = try ScalingSupport.parseExposition(
                        try await ScalingSupport.get(metricsURL + "/metrics").body)
                    let perNode = samples.filter { $0.name == "tide_node_pods" }
                    return perNode.count == 3 && perNode.allSatisfy { $0.value == 2 } ? perNode : nil
                }
                #expect(gauges.allSatisfy { $0.labels["node"]?.hasPrefix("gke-tide-sim-spread-") == true })
                var perNode: [String: Int] = [:]
                for run in runs {
                    #expect(try await cluster.waitForRun(run.id).state == .success)
                    let entry = try #require(try await cluster.tasks.timeline(runId: run.id).first)
                    perNode[entry.nodeName ?? "unknown", default: 0] += 1
                }
                #expect(perNode.count == 3 && perNode.values.allSatisfy { $0 == 2 }, "\(perNode)")
                // The defaults are on the pods themselves: the label, and the constraint with the
                // task's own selector filled in.
                let (namespace, name) = try await cluster.podOf(runs[0].id, "crunch")
                let connection = try KubeConnection.kubeconfig(
                    try String(contentsOfFile: sim.kubeconfigPath, encoding: .utf8), folder: sim.folder)
                let client = CurlHTTPClient(name: "test")
                defer { client.close() }
                let response = try await client.request(
                    "GET", connection.server + "/api/v1/namespaces/\(namespace)/pods/\(name)", timeoutSeconds: 10)
                let pod = try JSONValue.parse(String(decoding: response.body, as: UTF8.self))
                #expect(pod[path: "metadata", "labels", "team"] == .string("data"))
                #expect(
                    pod[path: "spec", "topologySpreadConstraints"]?.array?.first?["labelSelector"]
                        == .object([
                            "matchLabels": .object([
                                "tide.io/dag-id": .string("spread"), "tide.io/task-id": .string("crunch"),
                            ])
                        ]))
            }
        }
    }
}

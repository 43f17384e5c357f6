import Foundation
import Testing
import TideCore
import TideKube
import TidePostgres
import TideTestSupport

@Suite("Pods whose try is over are swept", .serialized)
struct OrphanPodTests {
    static func orphan(_ name: String, taskInstance: Int64, tryNumber: Int) -> JSONValue {
        .object([
            "apiVersion": "v1", "kind": "Pod",
            "metadata": .object([
                "name": .string(name),
                "labels": .object([
                    "tide.io/managed": "true", "tide.io/task-instance": .string(String(taskInstance)),
                    "tide.io/try-number": .string(String(tryNumber)),
                ]),
            ]),
            "spec": .object([
                "containers": .array([
                    .object(["name": "main", "image": "busybox", "command": .array(["sh", "-c", "true"])])
                ])
            ]),
        ])
    }

    @Test func theSweepAlsoCoversEveryNamedConnection() async throws {
        let oneNode = "node_pools:\n  - {name: default, min_nodes: 1, max_nodes: 1}\n"
        try await KubeSim.with(configuration: oneNode) { own in
            try await KubeSim.with(configuration: oneNode) { other in
                try await withCluster { cluster in
                    let config = own.folder + "/connections.yaml"
                    try """
                    kubernetes:
                      kubeconfig: \(own.kubeconfigPath)
                      connections:
                        other: {kubeconfig: \(other.kubeconfigPath), namespace: jobs}
                    """.write(toFile: config, atomically: true, encoding: .utf8)
                    // Left in the named connection's namespace by a worker that died (its run is gone),
                    // before any task of this worker used that connection.
                    _ = try await other.client.createPod(
                        Self.orphan("orphan-elsewhere", taskInstance: 987_654_321, tryNumber: 1), namespace: "jobs")
                    try cluster.startWorker(
                        concurrency: 1, ["TIDE_CONFIG": config, "TIDE_KUBERNETES_ORPHAN_SWEEP_INTERVAL": "500ms"])
                    try await Eventually.that("the orphan in the other cluster to be deleted", describe: cluster.logs) {
                        try await other.client.pod(namespace: "jobs", name: "orphan-elsewhere") == nil
                    }
                }
            }
        }
    }

    @Test(
        "a worker deletes pods left by a dead worker or a gone run, keeps those on_finish keeps, and spares live ones"
    )
    func orphanedPodsAreSettledAndLiveOnesSpared() async throws {
        try await withPodCluster { cluster, sim, config in
            try cluster.writeDAG(
                "pods.yaml",
                """
                dag_id: pods
                tasks:
                  - task_id: done
                    kubernetes_pod: {image: busybox, cmds: [sh, -c, 'echo done']}
                  - task_id: kept
                    kubernetes_pod: {image: busybox, cmds: [sh, -c, 'echo kept'], on_finish: keep_pod}
                  - task_id: long
                    upstream: [done, kept]
                    kubernetes_pod: {image: busybox, cmds: [sh, -c, 'sleep 30']}
                """)
            try cluster.startScheduler(["TIDE_CONFIG": config])
            try cluster.startWorker(
                concurrency: 4, ["TIDE_CONFIG": config, "TIDE_KUBERNETES_ORPHAN_SWEEP_INTERVAL": "500ms"])
            try await cluster.waitForDAG("pods")
            let run = try await cluster.trigger("pods")
            // Running, with its pod recorded (the claim comes a moment before the pod's name).
            let instances = try await Eventually.value("the long task to run in its pod", describe: cluster.logs) {
                () -> [String: TaskInstanceRecord]? in
                let instances = try await cluster.instances(run.id)
                guard instances["long"]?.state == .running, (try? await cluster.podOf(run.id, "long")) != nil else {
                    return nil
                }
                return instances
            }
            let (namespace, livePod) = try await cluster.podOf(run.id, "long")
            let done = try #require(instances["done"]?.id)
            let kept = try #require(instances["kept"]?.id)
            // What a worker killed between recording a result and settling the pod leaves behind,
            // and a pod whose run was deleted.
            for (name, id) in [("orphan-of-done", done), ("orphan-of-kept", kept), ("orphan-of-nothing", 987_654_321)] {
                _ = try await sim.client.createPod(
                    Self.orphan(name, taskInstance: id, tryNumber: 1), namespace: namespace)
            }
            try await Eventually.that("the orphans to be settled", describe: cluster.logs) {
                let gone = try await sim.client.pod(namespace: namespace, name: "orphan-of-done") == nil
                let nothing = try await sim.client.pod(namespace: namespace, name: "orphan-of-nothing") == nil
                let kept = try await sim.client.pod(namespace: namespace, name: "orphan-of-kept")
                return gone && nothing && kept?.labels["tide.io/finished"] == "true"
            }
            // The live try's pod survives every sweep.
            #expect(try await sim.client.pod(namespace: namespace, name: livePod) != nil)
            #expect(try await cluster.instances(run.id)["long"]?.state == .running)
        }
    }

    @Test("values a pod gets from Secrets (secrets: and env_from) show as *** in the task's log")
    func secretValuesOfPodsAreMaskedInTheirLogs() async throws {
        try await withPodCluster { cluster, sim, config in
            let token = "tok-\(UUID().uuidString)"
            let password = "pw-\(UUID().uuidString)"
            try await sim.client.createSecret(name: "warehouse", namespace: "default", values: ["token": token])
            try await sim.client.createSecret(name: "database", namespace: "default", values: ["PGPASSWORD": password])
            try cluster.writeDAG(
                "leaky.yaml",
                """
                dag_id: leaky
                tasks:
                  - task_id: prints
                    kubernetes_pod:
                      image: busybox
                      cmds: [sh, -c, 'echo "token=$TOKEN password=$PGPASSWORD"']
                      secrets: [{env: TOKEN, secret: warehouse, key: token}]
                      env_from: [{secret: database}]
                """)
            try await cluster.start(loading: "leaky", config: config)
            let run = try await cluster.runToEnd("leaky")
            #expect(run.state == .success)
            let log = try await cluster.firstLog(run.id, "prints")
            #expect(log.contains("token=*** password=***"))
            let everything = await cluster.logs() + log
            #expect(!everything.contains(token) && !everything.contains(password))
        }
    }
}

import Foundation
import Testing
import TideCore
import TideKube
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
            let instances = try await Eventually.value("the long task to run", describe: cluster.logs) {
                let instances = try await cluster.instances(run.id)
                return instances["long"]?.state == .running ? instances : nil
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
}

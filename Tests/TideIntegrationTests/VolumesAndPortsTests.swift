import Foundation
import Testing
import TideCore
import TideKube
import TideTestSupport

/// Volumes and ports in the simulator behave as in Kubernetes as far as a try's outcome goes: the
/// API server rejects a mount of no volume and a bad port, a Secret volume that does not exist
/// keeps the container from being created, and two pods cannot take one host port on a node.
@Suite("Volumes and ports on the simulator", .serialized)
struct VolumesAndPortsTests {
    @Test func podsTakingOneHostPortGoToTwoNodesAndAMissingSecretVolumeStopsThePod() async throws {
        try await withPodCluster { cluster, sim, config in
            // Each pod waits (at most 30 s) until the other has started, so the two must run at
            // once: one node could otherwise serve both in turn, its port free again after the first.
            let meeting = sim.folder + "/meeting"
            try FileManager.default.createDirectory(atPath: meeting, withIntermediateDirectories: true)
            func waiting(for other: String, as own: String) -> String {
                "touch \(meeting)/\(own); timeout 30 sh -c 'until [ -e \(meeting)/\(other) ]; do sleep 0.1; done' && echo served"
            }
            try cluster.writeDAG(
                "ports.yaml",
                """
                dag_id: ports
                default_args:
                  kubernetes_pod: {image: busybox, node_pool: pool-1}
                tasks:
                  - task_id: first
                    kubernetes_pod:
                      ports: [{containerPort: 8080, hostPort: 8080, name: http}]
                      cmds: [sh, -c, "\(waiting(for: "second", as: "first"))"]
                  - task_id: second
                    kubernetes_pod:
                      ports: [{containerPort: 8080, hostPort: 8080, name: http}]
                      cmds: [sh, -c, "\(waiting(for: "first", as: "second"))"]
                  - task_id: mounted
                    kubernetes_pod:
                      startup_timeout: 3s
                      volumes: [{name: creds, secret: {secretName: missing-secret}}]
                      volume_mounts: [{name: creds, mountPath: /etc/creds}]
                      cmds: [echo, never runs]
                """)
            try await cluster.start(loading: "ports", config: config, workers: 1)
            let run = try await cluster.runToEnd("ports")
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["first"]?.state == .success)
            #expect(tasks["second"]?.state == .success)
            let nodes = [tasks["first"]?.nodeName, tasks["second"]?.nodeName]
            #expect(nodes[0] != nil && nodes[1] != nil && nodes[0] != nodes[1], "one host port per node: \(nodes)")
            #expect(tasks["mounted"]?.state == .failed)
            let mounted = try await cluster.firstLog(run.id, "mounted")
            #expect(
                mounted.contains(
                    "did not start within startup_timeout (3s): ContainerCreating: MountVolume.SetUp failed for volume \"creds\" : secret \"missing-secret\" not found"
                ), "\(mounted)")
            #expect(mounted.contains("Warning FailedMount: MountVolume.SetUp failed"), "\(mounted)")
        }
    }

    @Test func theAPIServerRejectsAMountOfNoVolumeAndBadPortsNamingTheField() async throws {
        try await KubeSim.with(configuration: KubeSim.poolConfiguration) { sim in
            /// A pod of one container (`container` adds its JSON fields) and `volumes` (JSON).
            func pod(_ name: String, container: String = "", volumes: String = "[]") throws -> JSONValue {
                let extra = container.isEmpty ? "" : ", " + container
                return try JSONValue.decode(
                    Array(
                        """
                        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "\(name)"},
                         "spec": {"containers": [{"name": "base", "image": "busybox", "command": ["true"]\(extra)}],
                                  "volumes": \(volumes)}}
                        """.utf8))
            }
            let cases: [(JSONValue, String)] = [
                (
                    try pod("unmounted", container: #""volumeMounts": [{"name": "data", "mountPath": "/data"}]"#),
                    "spec.containers[0].volumeMounts[0].name: Not found: \"data\""
                ),
                (
                    try pod("twice", volumes: #"[{"name": "a", "emptyDir": {}}, {"name": "a", "emptyDir": {}}]"#),
                    "spec.volumes[1].name: Duplicate value: \"a\""
                ),
                (
                    try pod("too-high", container: #""ports": [{"containerPort": 70000}]"#),
                    "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"
                ),
                (
                    try pod("http", container: #""ports": [{"containerPort": 80, "protocol": "HTTP"}]"#),
                    "spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\""
                ),
            ]
            for (manifest, message) in cases {
                do {
                    _ = try await sim.client.createPod(manifest, namespace: "default")
                    Issue.record("accepted: \(manifest)")
                } catch {
                    #expect("\(error)".contains(message), "\(error)")
                }
            }
            let mounted = try pod(
                "mounted", container: #""volumeMounts": [{"name": "data", "mountPath": "/data"}]"#,
                volumes: #"[{"name": "data", "emptyDir": {}}]"#)
            _ = try await sim.client.createPod(mounted, namespace: "default")
        }
    }
}

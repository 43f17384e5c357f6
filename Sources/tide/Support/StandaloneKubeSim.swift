import Foundation
import Logging
import TideCommandLine
import TideCore
import TideKubeSim

/// `tide standalone --kube sim`: a simulated Kubernetes cluster inside the standalone process,
/// which its workers use for pod tasks.
enum StandaloneKubeSim {
    /// The cluster when no `--kube-sim-config` is given: one node for small pods, and `pool-1`
    /// (tainted `dedicated=pool-1`, 4 cpu / 16 GiB nodes) that scales 0 → 3.
    static let defaultCluster = SimConfiguration(
        nodePools: [
            .init(name: "default", minNodes: 1, maxNodes: 1),
            {
                var pool = SimConfiguration.Pool(name: "pool-1", minNodes: 0, maxNodes: 3)
                pool.taints = [NodePool.Taint(key: "dedicated", value: "pool-1")]
                return pool
            }(),
        ], scaleUpDelaySeconds: 3, scaleDownIdleSeconds: 30)

    /// Runs `body` while the simulator serves. It writes a kubeconfig for it to `kubeconfigPath`
    /// and gives `body` the environment that points worker processes at it:
    /// `TIDE_KUBERNETES_KUBECONFIG`, and a Secret `tide-standalone` with the database URL for
    /// `executor: kubernetes` pods (unless another is configured). The simulated kubelet finds
    /// this `tide` binary for those pods.
    static func serving(
        configurationPath: String?, kubeconfigPath: String, configuration: TideConfiguration, logger: Logger,
        _ body: ([String: String]) async throws -> Void
    ) async throws {
        var options = KubeSimulator.Options()
        if let path = configurationPath {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIError("--kube-sim-config: cannot read \(path)")
            }
            do {
                options.configuration = try SimConfiguration.parse(yaml: String(decoding: data, as: UTF8.self))
            } catch {
                throw CLIError("--kube-sim-config \(path): \(error)")
            }
        } else {
            options.configuration = defaultCluster
        }
        var workerEnvironment = ["TIDE_KUBERNETES_KUBECONFIG": kubeconfigPath]
        if configuration.kubernetes.workerSecret == nil {
            options.secrets = ["tide-standalone": ["TIDE_DATABASE_URL": configuration.databaseURL]]
            workerEnvironment["TIDE_KUBERNETES_WORKER_SECRET"] = "tide-standalone"
        }
        options.containerPath = [
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
        ]
        let simulator = KubeSimulator(options: options, logger: Logger(label: "tide.kubesim"))
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await simulator.run(handleSignals: false) { port in portContinuation.yield(port) }
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CLIError("the Kubernetes simulator did not start") }
            let text = SimKubeconfig.text(server: "http://127.0.0.1:\(port)", certificateAuthorityPEM: nil, token: nil)
            try FileManager.default.createDirectory(
                atPath: (kubeconfigPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: kubeconfigPath, atomically: true, encoding: .utf8)
            logger.info(
                "simulated Kubernetes cluster serving",
                metadata: ["url": "http://127.0.0.1:\(port)", "kubeconfig": "\(kubeconfigPath)"])
            try await body(workerEnvironment)
            group.cancelAll()
        }
    }
}

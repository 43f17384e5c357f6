import ArgumentParser
import Foundation
import Logging
import TideCore
import TideKubeSim

/// `tide-kubesim`: a Kubernetes API server simulator with node pools, an autoscaler and a kubelet
/// that runs containers' commands as local processes.
@main
struct KubeSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tide-kubesim",
        abstract: "A Kubernetes API simulator: pods, logs, events, nodes, node pools that autoscale.",
        discussion: """
            Serves the part of the Kubernetes REST API that Tide and 'kubectl get/describe/logs' use.
            Pods are scheduled onto simulated nodes (node selectors, node affinity, taints and
            tolerations, cpu/memory requests), node pools scale up when pods are pending and down
            when nodes are idle, and each container's command and args run as a local process (the
            image is ignored; an image named like '.../fail-pull' cannot be pulled).
            """)

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 0
    @Option(help: "Cluster description (YAML: node_pools, scale_up_delay_seconds, scale_down_idle_seconds).")
    var config: String?
    @Option(help: "PEM certificate to serve HTTPS with (with --tls-key).") var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert.") var tlsKey: String?
    @Option(help: "PEM CA certificate written into --write-kubeconfig (the CA that signed --tls-cert).")
    var caCert: String?
    @Option(help: "Bearer token every request must carry (401 otherwise).") var token: String?
    @Option(help: "Write a kubeconfig for this server here once it listens.") var writeKubeconfig: String?
    @Option(help: "Seconds between steps of the simulated control plane.") var tick = 0.1
    @Option(
        help: ArgumentHelp(
            "A Secret in namespace default holding these variables of this process's environment (repeatable).",
            valueName: "name=VAR[,VAR...]"))
    var secret: [String] = []
    @Option(help: "trace|debug|info|notice|warning|error|critical") var logLevel = "info"

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if caCert != nil && tlsCert == nil { throw ValidationError("--ca-cert needs --tls-cert") }
        guard tick > 0 else { throw ValidationError("--tick must be above zero") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var options = KubeSimulator.Options()
        options.host = host
        options.port = port
        options.tlsCertificatePath = tlsCert
        options.tlsKeyPath = tlsKey
        options.token = token
        options.tickSeconds = tick
        for entry in secret {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("--secret: expected name=VAR[,VAR...], got '\(entry)'")
            }
            var data: [String: String] = [:]
            for variable in parts[1].split(separator: ",").map(String.init) {
                guard let value = ProcessInfo.processInfo.environment[variable] else {
                    throw ValidationError("--secret \(parts[0]): \(variable) is not set in the environment")
                }
                data[variable] = value
            }
            options.secrets[parts[0]] = data
        }
        if let config {
            guard let data = FileManager.default.contents(atPath: config) else {
                throw ValidationError("cannot read --config \(config)")
            }
            do {
                options.configuration = try SimConfiguration.parse(yaml: String(decoding: data, as: UTF8.self))
            } catch {
                throw ValidationError("\(config): \(error)")
            }
        }
        let caPEM = try caCert.map { path in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read --ca-cert \(path)")
            }
            return String(decoding: data, as: UTF8.self)
        }
        let scheme = tlsCert == nil ? "http" : "https"
        let host = host.contains(":") ? "[\(host)]" : host
        let kubeconfigPath = writeKubeconfig
        let token = token
        let simulator = KubeSimulator(options: options, logger: Logger(label: "tide.kubesim"))
        try await simulator.run { port in
            guard let kubeconfigPath else { return }
            let text = SimKubeconfig.text(
                server: "\(scheme)://\(host):\(port)", certificateAuthorityPEM: caPEM, token: token)
            _ = FileManager.default.createFile(
                atPath: kubeconfigPath, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        }
    }
}

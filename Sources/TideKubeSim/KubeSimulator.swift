import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle
import TideCore

/// A Kubernetes API server simulator: node pools with an autoscaler, a scheduler, and a kubelet
/// that runs containers' commands as local processes. Serves the subset of the REST API that Tide
/// and `kubectl get/describe/logs` use.
public struct KubeSimulator: Sendable {
    /// Where and how to serve.
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port (reported to `onReady`).
        public var port = 0
        public var configuration = SimConfiguration.singleNode
        /// PEM files of the server certificate and key; nil serves plain HTTP.
        public var tlsCertificatePath: String?
        public var tlsKeyPath: String?
        /// Bearer token every request must carry; nil accepts anonymous requests.
        public var token: String?
        /// Seconds between steps of the simulated control plane. Default 0.1.
        public var tickSeconds = 0.1
        /// Folders searched first for containers' commands (e.g. where `tide` is, for executor pods).
        public var containerPath: [String] = []
        /// Secrets that exist from the start, in namespace `default`: name → key → value.
        public var secrets: [String: [String: String]] = [:]

        public init() {}
    }

    public let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Serves until cancelled (or SIGTERM / SIGINT when `handleSignals`).
    /// - Parameter onReady: called with the bound port once the server accepts connections.
    public func run(handleSignals: Bool = true, onReady: @escaping @Sendable (Int) async -> Void = { _ in })
        async throws
    {
        let cluster = SimCluster(
            configuration: options.configuration, logger: logger, containerPath: options.containerPath)
        for (name, data) in options.secrets { await cluster.addSecret(namespace: "default", name: name, data: data) }
        let boundPort = LockedBox(options.port)
        let scheme = options.tlsCertificatePath == nil ? "http" : "https"
        let host = options.host
        let router = Router(context: BasicRequestContext.self)
        SimRoutes(cluster: cluster, token: options.token, serverAddress: { "\(host):\(boundPort.value)" })
            .register(on: router)
        let server: HTTPServerBuilder
        if let certificatePath = options.tlsCertificatePath, let keyPath = options.tlsKeyPath {
            let certificates = try NIOSSLCertificate.fromPEMFile(certificatePath).map {
                NIOSSLCertificateSource.certificate($0)
            }
            let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
            server = try .tls(
                .http1(),
                tlsConfiguration: .makeServerConfiguration(certificateChain: certificates, privateKey: .privateKey(key))
            )
        } else {
            server = .http1()
        }
        let logger = logger
        let app = Application(
            router: router, server: server,
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.mutate { $0 = port }
                logger.info("kubernetes simulator listening", metadata: ["url": "\(scheme)://\(host):\(port)"])
                await onReady(port)
            }, logger: logger)
        // The control plane is listed last so it stops first: it ends open watches and followed
        // logs, which would otherwise hold the server's graceful shutdown open.
        let services = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: app),
                    .init(
                        service: SimControlPlane(cluster: cluster, tickSeconds: options.tickSeconds),
                        successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: logger))
        try await services.run()
    }
}

/// Steps the simulated cluster (scheduler, autoscaler, image pulls) at a fixed rate.
struct SimControlPlane: Service {
    let cluster: SimCluster
    let tickSeconds: Double

    func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                await cluster.tick(now: Date())
                try? await Task.sleep(for: .seconds(tickSeconds))
            }
        } onGracefulShutdown: {
            Task { await cluster.closeStreams() }
        }
        await cluster.closeStreams()
    }
}

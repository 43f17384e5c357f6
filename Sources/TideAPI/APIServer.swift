import Hummingbird
import Logging
import ServiceLifecycle
import TideCore
import TideMetrics
import TideRedis

/// The HTTP server of `/metrics` and `/api/v1/scaling`, run as a service beside others.
public final class APIServer: Service, Sendable {
    public struct Options: Sendable {
        public var host: String
        public var port: Int

        public init(host: String = "127.0.0.1", port: Int = 8080) {
            self.host = host
            self.port = port
        }
    }

    let options: Options
    let metrics: TideMetrics
    let reports: ReportReader
    let logger: Logger
    private let boundPort = LockedBox<Int?>(nil)

    public init(options: Options, metrics: TideMetrics, redis: RedisEndpoint, keys: RedisKeys, logger: Logger) {
        self.options = options
        self.metrics = metrics
        self.logger = logger
        reports = ReportReader(endpoint: redis, keys: keys)
    }

    /// The port it listens on, once it does (useful with port 0).
    public var port: Int? { boundPort.value }

    public func run() async throws {
        let router = Router(context: BasicRequestContext.self)
        APIRoutes(metrics: metrics, reports: reports).register(on: router)
        let logger = logger
        let host = options.host
        let boundPort = boundPort
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.mutate { $0 = port }
                logger.info("api listening", metadata: ["url": "http://\(host):\(port)"])
            }, logger: logger)
        defer { reports.close() }
        try await app.run()
    }
}

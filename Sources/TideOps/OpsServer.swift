import Hummingbird
import Logging
import ServiceLifecycle
import TideMetrics
import TideRedis

/// A server of the operational endpoints alone (``OpsRoutes``): what `tide scheduler --metrics-port`
/// serves, without the REST API and web UI that `tide api` adds.
public final class OpsServer: Service, Sendable {
    let host: String
    let port: Int
    let metrics: TideMetrics
    let reports: ReportReader
    let logger: Logger

    public init(host: String, port: Int, metrics: TideMetrics, redis: RedisEndpoint, keys: RedisKeys, logger: Logger) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.logger = logger
        reports = ReportReader(endpoint: redis, keys: keys)
    }

    public func run() async throws {
        let router = Router()
        router.add(middleware: OpsErrorMiddleware())
        OpsRoutes(metrics: metrics, reports: reports).register(on: router)
        let logger = logger
        let host = host
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                // The bound port, also when asked for port 0 (tests read it from this line).
                let port = channel.localAddress?.port ?? 0
                logger.info("metrics listening", metadata: ["url": "http://\(host):\(port)"])
            }, logger: logger)
        defer { reports.close() }
        try await app.run()
    }
}

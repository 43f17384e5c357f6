import ArgumentParser
import Logging
import ServiceLifecycle
import TideCommandLine
import TideMetrics
import TideOps
import TideScheduler

/// A scheduler's options and its run: shared by `tide scheduler` and the lean `tide-scheduler` executable.
public struct SchedulerOptions: ParsableArguments {
    /// The configuration file option every command takes.
    @OptionGroup public var global: GlobalOptions

    /// `--metrics-port`: serve `/metrics`, `/healthz` and `/api/v1/scaling` on this port.
    @Option(help: "Serve this scheduler's /metrics (pass durations, task latency, hints) on this port.")
    public var metricsPort: Int?

    public init() {}

    /// Runs the scheduler, its callback sender and its scaling hints until SIGTERM or SIGINT.
    public func run() async throws {
        try await reportingErrors {
            let context = try CommandContext(try global.configuration())
            CommandContext.bootstrapLogging(level: context.configuration.logLevel)
            let logger = Logger(label: "tide.scheduler")
            if let metricsPort, !(0...65535).contains(metricsPort) {
                throw CLIError("--metrics-port: expected a port number from 0 to 65535, got \(metricsPort)")
            }
            let pool = context.pool(maxConnections: 4, application: "tide-scheduler")
            let metrics = metricsPort.map { _ in TideMetrics() }
            var dependencies = SchedulerService.Dependencies(
                pool: pool, redis: context.redis, keys: context.keys, dagsFolder: context.configuration.dagsFolder,
                defaultTimeZone: context.configuration.defaultTimeZone,
                nodePools: context.configuration.nodePools,
                kubernetesConnections: context.configuration.kubernetes.connectionNames, metrics: metrics)
            dependencies.maxMapLength = context.configuration.worker.maxMapLength
            let scheduler = SchedulerService(
                settings: context.configuration.scheduler, dependencies: dependencies, logger: logger)
            let callbacks = CallbackSender(
                pool: pool, redis: context.redis, keys: context.keys, logger: Logger(label: "tide.callbacks"))
            let hints = ScalingHintPublisher(
                configuration: context.configuration,
                dependencies: .init(
                    pool: pool, redis: context.redis, keys: context.keys, heldBack: { scheduler.heldBack },
                    metrics: metrics),
                logger: Logger(label: "tide.scaling"))
            var services: [any Service] = [scheduler, callbacks, hints]
            if let metrics, let metricsPort {
                services.append(
                    OpsServer(
                        host: context.configuration.api.host, port: metricsPort, metrics: metrics,
                        redis: context.redis, keys: context.keys, logger: Logger(label: "tide.metrics")))
            }
            try await runServices(services, logger: logger)
            await pool.close()
        }
    }
}

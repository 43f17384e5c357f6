import ArgumentParser
import Logging
import ServiceLifecycle
import TideAPI
import TideMetrics
import TideScheduler

struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Run the scheduler: sync DAG files, start runs, resolve dependencies, queue tasks (SIGTERM stops it)."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Serve this scheduler's /metrics (pass durations, task latency, hints) on this port.")
    var metricsPort: Int?

    func run() async throws {
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
                    APIServer(
                        options: .init(host: context.configuration.api.host, port: metricsPort), metrics: metrics,
                        redis: context.redis, keys: context.keys, logger: Logger(label: "tide.metrics")))
            }
            try await runServices(services, logger: logger)
            await pool.close()
        }
    }
}

/// Runs services until SIGTERM or SIGINT, which start a graceful shutdown.
func runServices(_ services: [any Service], logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: .init(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    )
    try await group.run()
}

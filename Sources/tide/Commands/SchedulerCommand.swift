import ArgumentParser
import Logging
import ServiceLifecycle
import TideScheduler

struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Run the scheduler: sync DAG files, start runs, resolve dependencies, queue tasks (SIGTERM stops it)."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingErrors {
            let context = try CommandContext(try global.configuration())
            CommandContext.bootstrapLogging(level: context.configuration.logLevel)
            let logger = Logger(label: "tide.scheduler")
            let pool = context.pool(maxConnections: 4, application: "tide-scheduler")
            let scheduler = SchedulerService(
                settings: context.configuration.scheduler,
                dependencies: .init(
                    pool: pool, redis: context.redis, keys: context.keys, dagsFolder: context.configuration.dagsFolder,
                    defaultTimeZone: context.configuration.defaultTimeZone,
                    nodePools: context.configuration.nodePools),
                logger: logger)
            let callbacks = CallbackSender(
                pool: pool, redis: context.redis, keys: context.keys, logger: Logger(label: "tide.callbacks"))
            try await runServices([scheduler, callbacks], logger: logger)
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

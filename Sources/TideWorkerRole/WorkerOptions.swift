import ArgumentParser
import Foundation
import Logging
import TideCommandLine
import TideCore
import TideWorker

/// A worker's options and its run: shared by `tide worker` and the lean `tide-worker` executable.
public struct WorkerOptions: ParsableArguments {
    /// The configuration file option every command takes.
    @OptionGroup public var global: GlobalOptions

    /// `--concurrency`: tries run at once, overriding `worker.concurrency`.
    @Option(help: "Task tries run at once (default: worker.concurrency, 8).")
    public var concurrency: Int?

    /// `--queues`: the queues popped, in preference order, overriding `worker.queues`.
    @Option(help: "Comma-separated queues to pop, in preference order (default: worker.queues, 'default').")
    public var queues: String?

    public init() {}

    /// Runs the worker until SIGTERM or SIGINT drains it.
    public func run() async throws {
        try await reportingErrors {
            var configuration = try global.configuration()
            if let concurrency {
                guard concurrency >= 1 else {
                    throw CLIError("--concurrency: expected a whole number of at least 1, got \(concurrency)")
                }
                configuration.worker.concurrency = concurrency
            }
            if let queues {
                let names = queues.split(separator: ",").map(String.init).filter { !$0.isEmpty }
                guard !names.isEmpty, names.allSatisfy(Identifier.isValid) else {
                    throw CLIError(
                        "--queues: expected comma-separated queue names, got '\(queues)'", hint: Identifier.rule)
                }
                configuration.worker.queues = names
            }
            let context = try CommandContext(configuration)
            CommandContext.bootstrapLogging(level: configuration.logLevel)
            let logger = Logger(label: "tide.worker")
            let pool = context.pool(
                maxConnections: min(configuration.worker.concurrency, 4) + 1, application: "tide-worker",
                planning: .onceByKey)
            let kubernetes = try KubernetesSetup.access(configuration, environment: ProcessInfo.processInfo.environment)
            let worker = WorkerService(
                settings: configuration.worker,
                dependencies: .init(
                    pool: pool, redis: context.redis, keys: context.keys,
                    defaultTimeZone: configuration.defaultTimeZone,
                    kubernetes: kubernetes),
                logger: logger)
            try await runServices([worker], logger: logger)
            kubernetes?.client.close()
            await pool.close()
        }
    }
}

import ArgumentParser
import Foundation
import Logging
import TideCore
import TideWorker

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a worker: pop tasks, run them, report results (SIGTERM drains it).")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Task tries run at once (default: worker.concurrency, 8).")
    var concurrency: Int?

    @Option(help: "Comma-separated queues to pop, in preference order (default: worker.queues, 'default').")
    var queues: String?

    func run() async throws {
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
                maxConnections: min(configuration.worker.concurrency, 4) + 1, application: "tide-worker")
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

import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TideCore
import TidePostgres
import TideScheduler

struct StandaloneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standalone",
        abstract: "Migrate, then run a scheduler and N worker processes on this machine (SIGTERM stops all).")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Worker processes to run.") var workers: Int = 2

    @Option(help: "Task tries per worker process (default: worker.concurrency).") var concurrency: Int?

    @Option(help: "'sim' runs a simulated Kubernetes cluster in this process for pod tasks.") var kube: String?

    @Option(help: "With --kube sim: the cluster's node pools (tide-kubesim's YAML; default: pool-1 scaling 0..3).")
    var kubeSimConfig: String?

    @Option(help: "With --kube sim: where to write its kubeconfig (for kubectl).")
    var kubeconfigOut = ".tide/standalone-kubeconfig"

    func run() async throws {
        try await reportingErrors {
            guard workers >= 1 else { throw CLIError("--workers: expected at least 1, got \(workers)") }
            guard kube == nil || kube == "sim" else {
                throw CLIError(
                    "--kube: expected 'sim', got '\(kube ?? "")'", hint: "omit it to use kubernetes.* settings")
            }
            let configuration = try global.configuration()
            let context = try CommandContext(configuration)
            CommandContext.bootstrapLogging(level: configuration.logLevel)
            let logger = Logger(label: "tide.standalone")
            let connection = try await PGConnection.connect(
                url: configuration.databaseURL, schema: configuration.databaseSchema, applicationName: "tide-migrate")
            try await Migrator().migrate(connection, schema: configuration.databaseSchema, logger: logger)
            connection.close()

            let pool = context.pool(maxConnections: 4, application: "tide-scheduler")
            let scheduler = SchedulerService(
                settings: configuration.scheduler,
                dependencies: .init(
                    pool: pool, redis: context.redis, keys: context.keys, dagsFolder: configuration.dagsFolder,
                    defaultTimeZone: configuration.defaultTimeZone, nodePools: configuration.nodePools),
                logger: Logger(label: "tide.scheduler"))
            var arguments = ["worker"]
            if let path = global.configPath { arguments += ["--config", path] }
            if let concurrency { arguments += ["--concurrency", String(concurrency)] }
            let callbacks = CallbackSender(
                pool: pool, redis: context.redis, keys: context.keys, logger: Logger(label: "tide.callbacks"))
            if kube == "sim" {
                try await StandaloneKubeSim.serving(
                    configurationPath: kubeSimConfig, kubeconfigPath: kubeconfigOut, configuration: configuration,
                    logger: logger
                ) { environment in
                    let supervisor = WorkerSupervisor(
                        count: workers, arguments: arguments, environment: environment, logger: logger)
                    try await runServices([scheduler, callbacks, supervisor], logger: logger)
                }
            } else {
                let supervisor = WorkerSupervisor(count: workers, arguments: arguments, logger: logger)
                try await runServices([scheduler, callbacks, supervisor], logger: logger)
            }
            await pool.close()
        }
    }
}

/// Keeps N `tide worker` child processes running; on shutdown, sends each SIGTERM and waits.
final class WorkerSupervisor: Service, Sendable {
    let count: Int
    let arguments: [String]
    /// Added to this process's environment for each child.
    let environment: [String: String]
    let logger: Logger
    private let children = LockedBox<[Int: Process]>([:])
    private let stopping = LockedBox(false)

    init(count: Int, arguments: [String], environment: [String: String] = [:], logger: Logger) {
        self.count = count
        self.arguments = arguments
        self.environment = environment
        self.logger = logger
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for slot in 0..<count { group.addTask { await self.keepRunning(slot: slot) } }
            }
        } onGracefulShutdown: {
            self.stopping.mutate { $0 = true }
            for process in self.children.value.values where process.isRunning { process.terminate() }
        }
    }

    private func keepRunning(slot: Int) async {
        var restarts = 0
        while !stopping.value && !Task.isCancelled {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            process.arguments = arguments
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, ours in ours }
            }
            let status: Int32 = await withCheckedContinuation { continuation in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    logger.error("cannot start worker process", metadata: ["error": "\(error)"])
                    process.terminationHandler = nil
                    continuation.resume(returning: -1)
                    return
                }
                children.mutate { $0[slot] = process }
                // A shutdown that began while this child was starting must reach it too.
                if stopping.value { process.terminate() }
            }
            children.mutate { $0[slot] = nil }
            if stopping.value { break }
            restarts += 1
            logger.warning(
                "worker process exited; restarting", metadata: ["worker.slot": "\(slot)", "exit.status": "\(status)"])
            try? await Task.sleep(for: .milliseconds(min(10_000, 500 * restarts)))
        }
    }
}

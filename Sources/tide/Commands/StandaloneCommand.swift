import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TideAPI
import TideCommandLine
import TideCore
import TideMetrics
import TidePostgres
import TideScheduler

struct StandaloneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standalone",
        abstract: "Migrate, then run a scheduler, the API and worker processes on this machine (SIGTERM stops all).",
        discussion: """
            With --workers MIN..MAX the number of worker processes follows the scaling hint of the
            queues they serve: more within seconds of a burst, fewer (each drained with SIGTERM) once
            scaling.scale_down_window has passed without the need for them.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Worker processes: a number, or MIN..MAX to follow the scaling hints.")
    var workers: String = "2"

    @Option(help: "Task tries per worker process (default: worker.concurrency).") var concurrency: Int?

    @Option(help: "Port of /metrics and /api/v1/scaling (default: api.port; 0 picks a free one).")
    var apiPort: Int?

    @Flag(help: "Serve the API without credentials, every request as an admin (loopback addresses only).")
    var noAuth = false

    @Option(help: "Where the generated admin's password hash is kept when no API user is configured.")
    var usersFile = ".tide/api-users.json"

    @Option(help: "'sim' runs a simulated Kubernetes cluster in this process for pod tasks.") var kube: String?

    @Option(help: "With --kube sim: the cluster's node pools (tide-kubesim's YAML; default: pool-1 scaling 0..3).")
    var kubeSimConfig: String?

    @Option(help: "With --kube sim: where to write its kubeconfig (for kubectl).")
    var kubeconfigOut = ".tide/standalone-kubeconfig"

    func run() async throws {
        try await reportingErrors { try await runStandalone() }
    }

    private func runStandalone() async throws {
        do {
            let range = try Self.workerRange(workers)
            guard kube == nil || kube == "sim" else {
                throw CLIError(
                    "--kube: expected 'sim', got '\(kube ?? "")'", hint: "omit it to use kubernetes.* settings")
            }
            if let concurrency, concurrency < 1 {
                throw CLIError("--concurrency: expected a whole number of at least 1, got \(concurrency)")
            }
            var configuration = try global.configuration()
            if let concurrency { configuration.worker.concurrency = concurrency }
            configuration.scaling.minWorkers = range.lowerBound
            configuration.scaling.maxWorkers = range.upperBound
            if let apiPort { configuration.api.port = apiPort }
            try RESTSetup.checkNoAuth(noAuth, host: configuration.api.host)
            if !noAuth { configuration.api = try RESTSetup.ensureAdmin(configuration.api, defaultFile: usersFile) }
            let context = try CommandContext(configuration)
            CommandContext.bootstrapLogging(level: configuration.logLevel)
            let logger = Logger(label: "tide.standalone")
            let connection = try await PGConnection.connect(
                url: configuration.databaseURL, schema: configuration.databaseSchema, applicationName: "tide-migrate")
            try await Migrator().migrate(connection, schema: configuration.databaseSchema, logger: logger)
            connection.close()

            let pool = context.pool(maxConnections: 4, application: "tide-scheduler")
            let metrics = TideMetrics()
            var dependencies = SchedulerService.Dependencies(
                pool: pool, redis: context.redis, keys: context.keys, dagsFolder: configuration.dagsFolder,
                defaultTimeZone: configuration.defaultTimeZone, nodePools: configuration.nodePools, metrics: metrics)
            dependencies.maxMapLength = configuration.worker.maxMapLength
            let scheduler = SchedulerService(
                settings: configuration.scheduler, dependencies: dependencies, logger: Logger(label: "tide.scheduler"))
            let hints = ScalingHintPublisher(
                configuration: configuration,
                dependencies: .init(
                    pool: pool, redis: context.redis, keys: context.keys, heldBack: { scheduler.heldBack },
                    metrics: metrics),
                logger: Logger(label: "tide.scaling"))
            let apiPool = context.pool(maxConnections: 4, application: "tide-api")
            let api = APIServer(
                options: .init(host: configuration.api.host, port: configuration.api.port), metrics: metrics,
                redis: context.redis, keys: context.keys,
                rest: RESTSetup.rest(context, pool: apiPool, authEnabled: !noAuth), logger: Logger(label: "tide.api"))
            var workerOptions: [String] = []
            if let path = global.configPath { workerOptions += ["--config", path] }
            workerOptions += ["--concurrency", String(configuration.worker.concurrency)]
            let callbacks = CallbackSender(
                pool: pool, redis: context.redis, keys: context.keys, logger: Logger(label: "tide.callbacks"))
            let desired = Self.desiredWorkers(from: range.count > 1 ? hints : nil, queues: configuration.worker.queues)
            let fixed: [any Service] = [scheduler, hints, callbacks, api]
            func services(_ environment: [String: String]) -> [any Service] {
                fixed + [
                    WorkerSupervisor(
                        range: range, options: workerOptions, environment: environment, desired: desired, logger: logger
                    )
                ]
            }
            if kube == "sim" {
                try await StandaloneKubeSim.serving(
                    configurationPath: kubeSimConfig, kubeconfigPath: kubeconfigOut, configuration: configuration,
                    logger: logger
                ) { environment in
                    try await runServices(services(environment), logger: logger)
                }
            } else {
                try await runServices(services([:]), logger: logger)
            }
            await pool.close()
            await apiPool.close()
        }
    }

    /// Workers pop every served queue, so they are wanted for the sum of those queues' hints.
    /// Without `hints` (a fixed number of workers) it wants no change.
    static func desiredWorkers(from hints: ScalingHintPublisher?, queues: [String]) -> @Sendable () -> Int? {
        {
            guard let report = hints?.latest else { return nil }
            return queues.compactMap { report.queues[$0]?.desiredWorkers }.reduce(0, +)
        }
    }

    /// `4` (a fixed number) or `1..8` (follow the hints within those bounds).
    static func workerRange(_ text: String) throws -> ClosedRange<Int> {
        let parts = text.split(separator: "..", omittingEmptySubsequences: false).map { Int($0) }
        switch parts.count {
        case 1:
            guard let count = parts[0], count >= 1 else {
                throw CLIError("--workers: expected a number of at least 1 or MIN..MAX, got '\(text)'")
            }
            return count...count
        case 2:
            guard let low = parts[0], let high = parts[1], low >= 0, high >= 1, low <= high else {
                throw CLIError(
                    "--workers: expected MIN..MAX with 0 <= MIN <= MAX and MAX >= 1, got '\(text)'",
                    hint: "e.g. --workers 1..8")
            }
            return low...high
        default:
            throw CLIError("--workers: expected a number or MIN..MAX, got '\(text)'")
        }
    }
}

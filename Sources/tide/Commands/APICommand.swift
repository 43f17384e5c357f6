import ArgumentParser
import Logging
import TideAPI
import TideCommandLine
import TideMetrics

struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract:
            "Serve the REST API (/api/v2, Airflow-compatible), /metrics (Prometheus) and /api/v1/scaling (for KEDA).")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Address to listen on (default: api.host).") var host: String?

    @Option(help: "Port to listen on (default: api.port, 8080; 0 picks a free one).") var port: Int?

    @Flag(help: "Serve every request as an admin, without credentials (loopback addresses only).")
    var noAuth = false

    func run() async throws {
        try await reportingErrors {
            var configuration = try global.configuration()
            if let host { configuration.api.host = host }
            if let port {
                guard (0...65535).contains(port) else {
                    throw CLIError("--port: expected a port number from 0 to 65535, got \(port)")
                }
                configuration.api.port = port
            }
            try RESTSetup.checkNoAuth(noAuth, host: configuration.api.host)
            let context = try CommandContext(configuration)
            CommandContext.bootstrapLogging(level: configuration.logLevel)
            let logger = Logger(label: "tide.api")
            let pool = context.pool(maxConnections: 8, application: "tide-api")
            let server = APIServer(
                options: .init(host: configuration.api.host, port: configuration.api.port), metrics: TideMetrics(),
                redis: context.redis, keys: context.keys,
                rest: RESTSetup.rest(context, pool: pool, authEnabled: !noAuth), logger: logger)
            try await runServices([server], logger: logger)
            await pool.close()
        }
    }
}

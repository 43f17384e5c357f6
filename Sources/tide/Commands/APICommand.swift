import ArgumentParser
import Logging
import TideAPI
import TideMetrics

struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serve /metrics (Prometheus) and /api/v1/scaling (the scaling hints, for KEDA) over HTTP.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Address to listen on (default: api.host).") var host: String?

    @Option(help: "Port to listen on (default: api.port, 8080; 0 picks a free one).") var port: Int?

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
            let context = try CommandContext(configuration)
            CommandContext.bootstrapLogging(level: configuration.logLevel)
            let logger = Logger(label: "tide.api")
            let server = APIServer(
                options: .init(host: configuration.api.host, port: configuration.api.port), metrics: TideMetrics(),
                redis: context.redis, keys: context.keys, logger: logger)
            try await runServices([server], logger: logger)
        }
    }
}

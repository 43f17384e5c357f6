import ArgumentParser
import Foundation
import TideCommandLine
import TideHTTP
import TidePostgres

struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Exit 0 when a Tide process is healthy: for container health checks and Kubernetes probes.",
        discussion: """
            --url checks an HTTP endpoint (the api's or a scheduler's /healthz). --worker checks that a
            worker on this host heartbeat within scheduler.worker_timeout, as the scheduler sees it.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "GET this URL; healthy on a 2xx answer within 5 s.") var url: String?

    @Flag(help: "Healthy when a worker on this host has a fresh heartbeat in PostgreSQL.") var worker = false

    func run() async throws {
        try await reportingErrors {
            switch (url, worker) {
            case (let url?, false):
                let client = CurlHTTPClient(name: "healthcheck")
                defer { client.close() }
                let response = try await client.request("GET", url, timeoutSeconds: 5)
                guard (200..<300).contains(response.status) else {
                    throw CLIError("unhealthy: \(url) answered HTTP \(response.status)")
                }
                print("healthy: \(url) answered HTTP \(response.status)")
            case (nil, true):
                let configuration = try global.configuration()
                let pool = try CommandContext(configuration).pool(maxConnections: 1, application: "tide-healthcheck")
                let host = ProcessInfo.processInfo.hostName
                let alive = try await WorkerStore(pool: pool).hasLiveWorker(
                    hostname: host, withinSeconds: configuration.scheduler.workerTimeoutSeconds)
                await pool.close()
                guard alive else {
                    throw CLIError(
                        "unhealthy: no worker on \(host) heartbeat in the last \(Int(configuration.scheduler.workerTimeoutSeconds)) s"
                    )
                }
                print("healthy: a worker on \(host) is heartbeating")
            default:
                throw CLIError("expected exactly one of --url URL or --worker")
            }
        }
    }
}

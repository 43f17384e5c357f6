import Logging
import ServiceLifecycle

/// Runs services until SIGTERM or SIGINT, which start a graceful shutdown.
public func runServices(_ services: [any Service], logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: .init(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    )
    try await group.run()
}

import TideCore
import TideMetrics
import TideRedis
import TideScaling
import TideService

/// Reads the published scaling report from Redis over one connection, reopened after a failure.
final class ReportReader: Sendable {
    enum Outcome: Sendable {
        case report(ScalingReport)
        case missing
        case failed(String)
    }

    let link: RedisLink
    let store: ScalingReportStore

    init(endpoint: RedisEndpoint, keys: RedisKeys) {
        link = RedisLink(endpoint: endpoint, name: "api")
        store = ScalingReportStore(keys: keys)
    }

    func read() async -> Outcome {
        do {
            return try await link.with { try await store.latest(on: $0) }.map(Outcome.report) ?? .missing
        } catch {
            return .failed("cannot read the scaling report: \(error)")
        }
    }

    func close() { link.close() }
}

import TideCore
import TideRedis
import TideScaling

/// Reads the published scaling report from Redis over one connection, reopened after a failure.
public final class ReportReader: Sendable {
    public enum Outcome: Sendable {
        case report(ScalingReport)
        case missing
        case failed(String)
    }

    let link: RedisLink
    let store: ScalingReportStore

    public init(endpoint: RedisEndpoint, keys: RedisKeys) {
        link = RedisLink(endpoint: endpoint, name: "api")
        store = ScalingReportStore(keys: keys)
    }

    /// The latest published report, or why there is none.
    public func read() async -> Outcome {
        do {
            return try await link.with { try await store.latest(on: $0) }.map(Outcome.report) ?? .missing
        } catch {
            return .failed("cannot read the scaling report: \(error)")
        }
    }

    /// The latest report, nil when there is none or it cannot be read.
    public func latest() async -> ScalingReport? {
        if case .report(let report) = await read() { return report }
        return nil
    }

    public func close() { link.close() }
}

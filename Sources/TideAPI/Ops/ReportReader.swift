import TideCore
import TideMetrics
import TideRedis
import TideScaling

/// Reads the published scaling report from Redis over one connection, reopened after a failure.
final class ReportReader: Sendable {
    enum Outcome: Sendable {
        case report(ScalingReport)
        case missing
        case failed(String)
    }

    let endpoint: RedisEndpoint
    let store: ScalingReportStore
    private let connection = LockedBox<RedisConnection?>(nil)

    init(endpoint: RedisEndpoint, keys: RedisKeys) {
        self.endpoint = endpoint
        store = ScalingReportStore(keys: keys)
    }

    func read() async -> Outcome {
        do {
            let redis: RedisConnection
            if let open = connection.value {
                redis = open
            } else {
                redis = try await RedisConnection.connect(endpoint, name: "api", socketTimeoutSeconds: 5)
                connection.mutate { $0 = redis }
            }
            return try await store.latest(on: redis).map(Outcome.report) ?? .missing
        } catch {
            connection.mutate { open in
                open?.close()
                open = nil
            }
            return .failed("cannot read the scaling report: \(error)")
        }
    }

    func close() { connection.mutate { $0?.close() } }
}

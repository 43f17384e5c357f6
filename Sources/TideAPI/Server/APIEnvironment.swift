import Hummingbird
import TideCore
import TideService

/// What every route handler needs: the service layer and the API's limits.
struct APIEnvironment: Sendable {
    let service: TideService
    let settings: APISettings
    /// The time zone of DAGs that name none.
    let defaultTimeZone: String
    /// The weight rule of tasks that name none.
    let defaultWeightRule: WeightRule
    let nextRuns: NextRuns
    /// The largest result a try may publish (`worker.xcom_max_bytes`); the API writes no larger.
    let xcomMaxBytes: Int

    init(
        service: TideService, settings: APISettings, defaultTimeZone: String, defaultWeightRule: WeightRule,
        xcomMaxBytes: Int = 49_152
    ) {
        self.service = service
        self.xcomMaxBytes = xcomMaxBytes
        self.settings = settings
        self.defaultTimeZone = defaultTimeZone
        self.defaultWeightRule = defaultWeightRule
        nextRuns = NextRuns(defaultTimeZone: defaultTimeZone)
    }

    /// A path parameter, percent-decoded (run ids hold `:` and `+`).
    static func parameter(_ context: APIRequestContext, _ name: String) throws -> String {
        guard let raw = context.parameters.get(name) else {
            throw APIError(.badRequest, "missing path parameter \(name)")
        }
        return raw.removingPercentEncoding ?? raw
    }
}

import Foundation
import Hummingbird
import TideCore
import TideMetrics
import TidePostgres
import TideScaling
import TideService

/// Tide's web UI, served at `/` by `tide api` and `tide standalone`: server-rendered pages that
/// read through ``TideService`` (the REST API's service layer) and act through the REST API itself,
/// so every action meets the same roles. Pages update themselves from `/api/v2/events`.
public struct WebUI: Sendable {
    let service: TideService
    let reports: ReportReader
    let nextRuns: NextRuns
    let signIn: UISignIn
    let history: ScalingHistory
    /// Seconds without a heartbeat after which a worker does not count as live.
    let workerTimeoutSeconds: Double
    let nodePools: [NodePool]

    /// - Parameters:
    ///   - service: the same service the REST API reads through.
    ///   - reports: the published scaling report.
    ///   - configuration: worker timeout, node pools, default time zone.
    ///   - signIn: how the login page signs users in (shared with the REST API).
    public init(service: TideService, reports: ReportReader, configuration: TideConfiguration, signIn: UISignIn) {
        self.service = service
        self.reports = reports
        self.signIn = signIn
        nextRuns = NextRuns(defaultTimeZone: configuration.defaultTimeZone)
        workerTimeoutSeconds = configuration.scheduler.workerTimeoutSeconds
        nodePools = configuration.nodePools
        history = ScalingHistory(capacity: ScalingHistory.defaultCapacity)
    }

    /// Adds the UI's pages, its login and its static files to the API server's router.
    public func register<Context: UIRequestContext>(on router: Router<Context>) {
        AssetRoutes().register(on: router)
        SessionRoutes(signIn: signIn).register(on: router)
        let pages = Pages(ui: self)
        pages.register(on: router)
    }

    /// Samples the scaling report into the cluster chart's history until cancelled.
    public func run(sampleSeconds: Double = ScalingHistory.sampleSeconds) async {
        while !Task.isCancelled {
            if let report = await reports.latest() { history.record(report) }
            try? await Task.sleep(for: .seconds(sampleSeconds))
        }
    }
}

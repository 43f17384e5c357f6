import Foundation
import Hummingbird
import NIOCore
import TideMetrics
import TideRedis
import TideScaling

/// The operational endpoints every Tide server has (`tide api`, `tide standalone`, and the
/// scheduler's `--metrics-port`): `GET /metrics`, `GET /api/v1/scaling`, `GET /healthz`.
public struct OpsRoutes: Sendable {
    let metrics: TideMetrics
    let reports: ReportReader

    public init(metrics: TideMetrics, reports: ReportReader) {
        self.metrics = metrics
        self.reports = reports
    }

    static let healthPath = "/healthz"
    static let metricsPath = "/metrics"
    static let scalingPath = "/api/v1/scaling"
    /// The paths served, all with GET.
    static let paths = [healthPath, metricsPath, scalingPath]

    /// Adds the three routes to `router`.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get(RouterPath(Self.healthPath)) { _, _ in Self.text("ok\n") }
        router.get(RouterPath(Self.metricsPath)) { _, _ in
            // The gauges follow the published report even where no scheduler runs in this process.
            if case .report(let report) = await reports.read() { metrics.record(report) }
            return Self.text(metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get(RouterPath(Self.scalingPath)) { _, _ in
            let now = Date().timeIntervalSince1970
            switch await reports.read() {
            case .report(let report) where !report.isStale(now: now):
                return Self.json(ScalingSummary(report, now: now), status: .ok)
            case .report(let report):
                return Self.json(
                    ErrorResponse(
                        error:
                            "the latest scaling report is \(Int(now - report.generatedAt)) s old: is a scheduler running?"
                    ), status: .serviceUnavailable)
            case .missing:
                return Self.json(
                    ErrorResponse(error: "no scaling report yet: a scheduler publishes one every scaling.interval"),
                    status: .serviceUnavailable)
            case .failed(let message):
                return Self.json(ErrorResponse(error: message), status: .serviceUnavailable)
            }
        }
    }

    /// A 200 answer with a text body.
    static func text(_ body: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(
            status: .ok, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// An answer with `value` as its JSON body (keys sorted).
    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"cannot encode the answer"}"#.utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A report as shown to people and autoscalers (`GET /api/v1/scaling`, `tide scale hints
/// --output json`): without its internal history, with its age.
///
/// For KEDA's `metrics-api` scaler: `valueLocation: queues.QUEUE.desiredWorkers` with
/// `targetValue: "1"` makes KEDA run exactly the desired workers.
public struct ScalingSummary: Codable, Sendable {
    /// Seconds since 1970 when the report was computed.
    public var generatedAt: Double
    /// Seconds since then.
    public var ageSeconds: Double
    public var intervalSeconds: Double
    public var queues: [String: QueueHint]
    public var nodePools: [String: NodePoolHint]

    public init(_ report: ScalingReport, now: Double) {
        generatedAt = report.generatedAt
        ageSeconds = max(0, now - report.generatedAt)
        intervalSeconds = report.intervalSeconds
        queues = report.queues
        nodePools = report.nodePools
    }
}

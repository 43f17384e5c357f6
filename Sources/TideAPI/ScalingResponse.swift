import TideScaling

/// The body of `GET /api/v1/scaling`: the latest report without its internal history.
///
/// For KEDA's `metrics-api` scaler: `valueLocation: queues.QUEUE.desiredWorkers` with
/// `targetValue: "1"` makes KEDA run exactly the desired workers.
struct ScalingResponse: Codable, Sendable {
    /// Seconds since 1970 when the report was computed.
    var generatedAt: Double
    /// Seconds since then.
    var ageSeconds: Double
    var intervalSeconds: Double
    var queues: [String: QueueHint]
    var nodePools: [String: NodePoolHint]

    init(_ report: ScalingReport, now: Double) {
        generatedAt = report.generatedAt
        ageSeconds = max(0, now - report.generatedAt)
        intervalSeconds = report.intervalSeconds
        queues = report.queues
        nodePools = report.nodePools
    }
}

/// The body of an error answer.
struct ErrorResponse: Codable, Sendable {
    var error: String
}

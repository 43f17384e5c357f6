/// Every hint at one moment: what `/api/v1/scaling` serves, and what the scheduler keeps in Redis
/// (with the recommendation history, so that any scheduler continues the same windows).
///
/// KEDA's `metrics-api` scaler reads a queue's count with `valueLocation: queues.QUEUE.desiredWorkers`.
public struct ScalingReport: Sendable, Hashable, Codable {
    /// Seconds since 1970 when it was computed.
    public var generatedAt: Double
    /// Seconds until the next computation is due.
    public var intervalSeconds: Double
    public var queues: [String: QueueHint]
    public var nodePools: [String: NodePoolHint]
    /// Per queue: recommendations inside the scale-down window.
    public var history: [String: [ReplicaRecommender.Sample]]
    /// Pod tasks running per Kubernetes node (nil in reports of schedulers before it was added).
    public var podsPerNode: [String: Int]?

    public init(
        generatedAt: Double, intervalSeconds: Double, queues: [String: QueueHint] = [:],
        nodePools: [String: NodePoolHint] = [:], history: [String: [ReplicaRecommender.Sample]] = [:]
    ) {
        self.generatedAt = generatedAt
        self.intervalSeconds = intervalSeconds
        self.queues = queues
        self.nodePools = nodePools
        self.history = history
    }

    /// Whether the report is older than three intervals at `now` (its scheduler may be gone).
    public func isStale(now: Double) -> Bool { now - generatedAt > 3 * intervalSeconds + 1 }
}

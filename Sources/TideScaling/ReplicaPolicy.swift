/// The bounds and damping of one scaled thing (a queue's workers), as an HPA's spec and
/// `behavior` give them.
public struct ReplicaPolicy: Sendable, Hashable {
    public var minReplicas: Int
    public var maxReplicas: Int
    /// A desired/current ratio within `1 ± tolerance` keeps the current count (HPA's default 0.1).
    public var tolerance: Double
    /// A scale-down goes only as low as the highest recommendation of this many past seconds
    /// (HPA's `scaleDown.stabilizationWindowSeconds`, default 300). Scale-up is immediate.
    public var scaleDownWindowSeconds: Double

    public init(minReplicas: Int, maxReplicas: Int, tolerance: Double = 0.1, scaleDownWindowSeconds: Double = 300) {
        self.minReplicas = max(0, minReplicas)
        self.maxReplicas = max(self.minReplicas, maxReplicas)
        self.tolerance = tolerance
        self.scaleDownWindowSeconds = scaleDownWindowSeconds
    }

    /// `count` within `[minReplicas, maxReplicas]`.
    public func clamp(_ count: Int) -> Int { min(maxReplicas, max(minReplicas, count)) }
}

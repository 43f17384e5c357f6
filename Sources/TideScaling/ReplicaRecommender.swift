/// HPA's replica arithmetic, as pure functions: tolerance, immediate scale-up, a scale-down
/// stabilization window, and clamping.
///
/// The order follows the Kubernetes HPA controller: the raw recommendation (needed replicas, or
/// the current count when the change is within the tolerance) is recorded; the stabilized count
/// is the raw one when it is not below the current count, else the highest recommendation of the
/// window (never above the current count); the result is clamped to `[min, max]`.
public enum ReplicaRecommender {
    /// A recommendation made at a time (seconds since an epoch of the caller's choosing).
    public struct Sample: Sendable, Hashable, Codable {
        public var at: Double
        public var replicas: Int

        public init(at: Double, replicas: Int) {
            self.at = at
            self.replicas = replicas
        }
    }

    /// What one evaluation decided.
    public struct Outcome: Sendable, Hashable {
        /// The count to run now.
        public var desired: Int
        /// The raw recommendation of this evaluation (before stabilization and clamping).
        public var recommended: Int
        /// The samples still inside the window, this one included: keep them for the next evaluation.
        public var history: [Sample]
    }

    /// The replicas needed for `load` units of work when each replica takes `perReplica` at once.
    public static func needed(load: Int, perReplica: Int) -> Int {
        guard load > 0 else { return 0 }
        let size = max(1, perReplica)
        return (load + size - 1) / size
    }

    /// The raw recommendation: `needed`, unless the ratio to `current` is within the tolerance.
    /// From zero replicas (no ratio) or to zero needed, the change is always made.
    public static func withinTolerance(needed: Int, current: Int, tolerance: Double) -> Int {
        guard current > 0, needed > 0 else { return needed }
        let ratio = Double(needed) / Double(current)
        return abs(ratio - 1) <= tolerance ? current : needed
    }

    /// One evaluation.
    /// - Parameters:
    ///   - needed: replicas the load calls for now.
    ///   - current: replicas running now.
    ///   - history: samples from earlier evaluations (any order; those older than the window are dropped).
    ///   - now: the time of this evaluation, in the samples' unit.
    public static func evaluate(
        needed: Int, current: Int, policy: ReplicaPolicy, history: [Sample], now: Double
    ) -> Outcome {
        let recommended = withinTolerance(needed: max(0, needed), current: max(0, current), tolerance: policy.tolerance)
        let windowStart = now - policy.scaleDownWindowSeconds
        let kept = history.filter { $0.at > windowStart && $0.at <= now } + [Sample(at: now, replicas: recommended)]
        let stabilized: Int
        if recommended >= current {
            stabilized = recommended
        } else {
            let highest = kept.map(\.replicas).max() ?? recommended
            stabilized = min(current, highest)
        }
        return Outcome(desired: policy.clamp(stabilized), recommended: recommended, history: kept)
    }
}

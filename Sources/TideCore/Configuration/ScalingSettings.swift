/// How the scheduler turns demand into scaling hints (HPA's rules; see `TideScaling`).
public struct ScalingSettings: Sendable, Hashable {
    /// Fewest workers a queue's hint asks for. Default 1 (0 lets a queue scale to zero, as KEDA can).
    public var minWorkers = 1
    /// Most workers a queue's hint asks for. Default 10.
    public var maxWorkers = 10
    /// Changes of the desired/current ratio within this fraction are ignored. Default 0.1.
    public var tolerance = 0.1
    /// Seconds of past recommendations a scale-down must respect (HPA's stabilization window). Default 300.
    public var scaleDownWindowSeconds = 300.0
    /// Seconds between the scheduler's hint computations. Default 5.
    public var intervalSeconds = 5.0
    /// Per-queue overrides (`scaling.queues` in tide.yaml, or `TIDE_SCALING_QUEUES` as JSON).
    public var queues: [String: QueueScaling] = [:]

    /// One queue's own bounds and worker size.
    public struct QueueScaling: Sendable, Hashable {
        public var minWorkers: Int?
        public var maxWorkers: Int?
        /// Task tries one worker of this queue runs at once; nil uses `worker.concurrency`.
        public var workerConcurrency: Int?

        public init(minWorkers: Int? = nil, maxWorkers: Int? = nil, workerConcurrency: Int? = nil) {
            self.minWorkers = minWorkers
            self.maxWorkers = maxWorkers
            self.workerConcurrency = workerConcurrency
        }
    }

    public init() {}
}

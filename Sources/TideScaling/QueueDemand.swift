/// What one queue has to do now, and who serves it.
public struct QueueDemand: Sendable, Hashable {
    public var queue: String
    /// Tries pushed to the queue and not yet started.
    public var queued: Int
    /// Tries running on workers.
    public var running: Int
    /// Ready task instances that a limit keeps from being queued, by limit (`pool_full`,
    /// `parallelism`, …). More workers would not run these sooner.
    public var heldBack: [String: Int]
    /// Live workers that pop this queue.
    public var workers: Int
    /// Task tries one of this queue's workers runs at once.
    public var workerConcurrency: Int

    public init(
        queue: String, queued: Int = 0, running: Int = 0, heldBack: [String: Int] = [:], workers: Int = 0,
        workerConcurrency: Int
    ) {
        self.queue = queue
        self.queued = queued
        self.running = running
        self.heldBack = heldBack
        self.workers = workers
        self.workerConcurrency = workerConcurrency
    }
}

/// One queue's scaling hint, as `/api/v1/scaling` and `tide scale hints` show it.
public struct QueueHint: Sendable, Hashable, Codable {
    public var queued: Int
    public var running: Int
    /// Ready task instances held back by a limit, in all.
    public var heldBack: Int
    /// The same by limit.
    public var heldBackBy: [String: Int]
    /// Live workers now.
    public var workers: Int
    public var workerConcurrency: Int
    /// `ceil((queued + running) / workerConcurrency)`.
    public var neededWorkers: Int
    /// The workers to run: `neededWorkers` after tolerance, the scale-down window and clamping.
    public var desiredWorkers: Int
    public var minWorkers: Int
    public var maxWorkers: Int
}

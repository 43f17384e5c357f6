/// Why a task instance is not running (or what it is doing), reason by reason, as an operator
/// would check it: dependencies first, then the run, then each limit, then the queue.
public struct WaitReport: Sendable, Hashable {
    /// One reason, with a stable `kind` for tools and a sentence for people.
    public struct Reason: Sendable, Hashable {
        public var kind: Kind
        public var message: String
        /// Whether this reason alone keeps the task from starting now.
        public var blocking: Bool

        public init(_ kind: Kind, _ message: String, blocking: Bool = true) {
            self.kind = kind
            self.message = message
            self.blocking = blocking
        }
    }

    /// The kinds of reasons, named as in the scheduler's held-back counts where they match.
    public enum Kind: String, Sendable, Hashable {
        case finished, running
        case podPending = "pod_pending"
        case queuePosition = "queue_position"
        case noLiveWorker = "no_live_worker"
        case retryBackoff = "retry_backoff"
        /// A sensor between two checks of its condition.
        case sensor
        case upstream
        case dependsOnPast = "depends_on_past"
        case runNotStarted = "run_not_started"
        case dagPaused = "dag_paused"
        case parallelism
        case maxActiveTasks = "max_active_tasks"
        case maxActiveTisPerDag = "max_active_tis_per_dag"
        case poolFull = "pool_full"
        case unknownPool = "unknown_pool"
        case nodePoolFull = "node_pool_full"
        case dispatchOrder = "dispatch_order"
        case ready
    }

    public var taskId: String
    public var state: String
    public var tryNumber: Int
    public var reasons: [Reason]
}

/// The state of a task instance (one task in one DAG run), with Airflow's names.
///
/// ```
/// none ─► scheduled ─► queued ─► running ─► success | failed | skipped
///   │                    ▲          │
///   │                    └──────────┴─► up_for_retry (after retry_delay, back to queued)
///   │                    └──────────┴─► up_for_reschedule (a sensor between checks, back to queued)
///   └─► skipped | upstream_failed   (decided by the trigger rule, never run)
/// ```
public enum TaskState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Created with its run; the scheduler has not decided anything yet.
    case none
    /// Dependencies are met; the scheduler is about to queue it.
    case scheduled
    /// The scheduler committed it as queued and pushed a message; a worker may claim it.
    case queued
    /// A worker won the fenced claim and runs the try.
    case running
    /// The try exited 0 (or the task is `empty`).
    case success
    /// The last try failed and no retries are left.
    case failed
    /// A try failed with retries left; the scheduler re-queues it after the retry delay.
    case upForRetry = "up_for_retry"
    /// A sensor in reschedule mode between two checks: it holds no slot; the scheduler queues it
    /// (or, for a condition it checks itself, checks it) when the next check is due.
    case upForReschedule = "up_for_reschedule"
    /// The try exited 99, or the trigger rule skipped it because an upstream was skipped.
    case skipped
    /// An upstream task failed, so this one never runs.
    case upstreamFailed = "upstream_failed"

    /// States from which a task never moves on its own.
    public var isFinished: Bool {
        switch self {
        case .success, .failed, .skipped, .upstreamFailed: true
        default: false
        }
    }

    /// The SQL literal list of finished states, for queries.
    public static let finishedSQLList = sqlList(allCases.filter(\.isFinished))

    /// States in which a try holds a slot (of `parallelism`, a pool, `max_active_tasks`, …): it
    /// was given one by dispatch and has not finished.
    public var holdsSlot: Bool { self == .queued || self == .running }

    /// The SQL literal list of the states that hold a slot, for queries.
    public static let holdingSlotSQLList = sqlList(allCases.filter(\.holdsSlot))
}

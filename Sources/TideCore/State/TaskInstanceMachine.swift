/// What can happen to a task instance. Each event is written by exactly one store method, whose
/// SQL takes its allowed source states from ``TaskInstanceMachine/sources(of:)``.
public enum TaskInstanceEvent: Sendable, Hashable {
    /// Its dependencies are met and it waits for a slot (dispatch).
    case schedule
    /// Dispatch gave it a slot: committed `queued` with the next try number, then pushed.
    case queue
    /// A worker won the fenced claim of the queued try.
    case claim
    /// The running try ended; the retry rule decided the state.
    case finish(RetryDecision)
    /// A running pod try goes back to `queued` with the same try number, for another worker to
    /// reattach to its pod (its worker died, or drained).
    case giveBack
    /// An `empty` task whose dependencies are met succeeds without a worker.
    case succeedWithoutRunning
    /// Its trigger rule decided it never runs because of skipped upstream tasks.
    case skip
    /// Its trigger rule decided it never runs because an upstream task failed.
    case failUpstream
    /// An operator cleared it: it runs again with a new try (a running try is stopped first and
    /// waits in `up_for_retry` for its worker to let go).
    case clear
    /// An operator set its state (`success`, `failed` or `skipped`).
    case mark(TaskState)
    /// Its run ended without it (timed out, or marked by an operator): `ended` is what an
    /// unfinished task instance becomes.
    case endRun(TaskState)
    /// The scheduler checked a sensor's condition itself (another DAG's task): it holds
    /// (`success`), failed or timed out (`failed`, `skipped` with `soft_fail`), or not yet
    /// (`up_for_reschedule`).
    case sense(TaskState)

    /// One event of each kind with each meaningful payload, for exhaustive tests.
    public static let representatives: [TaskInstanceEvent] =
        [.schedule, .queue, .claim]
        + [
            RetryDecision.finish(.success), .finish(.skipped), .finish(.failed),
            .retry(afterSeconds: 30, extraTry: false), .retry(afterSeconds: 0, extraTry: true),
            .reschedule(afterSeconds: 60),
        ].map { .finish($0) }
        + [.giveBack, .succeedWithoutRunning, .skip, .failUpstream, .clear]
        + TaskState.allCases.map { .mark($0) } + TaskState.allCases.map { .endRun($0) }
        + TaskState.allCases.map { .sense($0) }
}

/// A state change the machine allows.
public struct TaskInstanceTransition: Sendable, Hashable {
    /// What happens to the try number.
    public enum TryChange: Sendable, Hashable {
        /// Unchanged.
        case same
        /// The next try starts (try number + 1).
        case next
    }

    public var to: TaskState
    public var tryChange: TryChange

    public init(to: TaskState, tryChange: TryChange = .same) {
        self.to = to
        self.tryChange = tryChange
    }
}

/// The task-instance state machine: every allowed transition, and nothing else.
///
/// ```
/// none ─schedule─► scheduled ─queue─► queued ─claim─► running ─finish─► success | skipped | failed
///  │ ▲                ▲                 ▲  ◄──giveBack──┘ │
///  │ │                └───── up_for_retry ◄───finish──────┘ (retry: tries left, or handed back)
///  │ │                └───── up_for_reschedule ◄──finish──┘ (a sensor's next check)
///  │ └─clear (any)
///  ├─skip / failUpstream / succeedWithoutRunning─► skipped | upstream_failed | success
///  └─sense (none, scheduled, up_for_reschedule)─► success | failed | skipped | up_for_reschedule
/// ```
public enum TaskInstanceMachine {
    /// Where `event` takes a task instance in `state`, or nil when the event does not apply
    /// (a stale message, a second scheduler, a worker that lost its try): the store's guarded
    /// statement then changes nothing.
    public static func transition(from state: TaskState, on event: TaskInstanceEvent) -> TaskInstanceTransition? {
        switch (event, state) {
        case (.schedule, .none), (.schedule, .upForRetry), (.schedule, .upForReschedule):
            TaskInstanceTransition(to: .scheduled)
        case (.queue, .none), (.queue, .scheduled), (.queue, .upForRetry), (.queue, .upForReschedule):
            TaskInstanceTransition(to: .queued, tryChange: .next)
        case (.claim, .queued):
            TaskInstanceTransition(to: .running)
        case (.finish(let decision), .running):
            TaskInstanceTransition(to: decision.state)
        case (.giveBack, .running):
            TaskInstanceTransition(to: .queued)
        case (.succeedWithoutRunning, .none):
            TaskInstanceTransition(to: .success)
        case (.skip, .none):
            TaskInstanceTransition(to: .skipped)
        case (.failUpstream, .none):
            TaskInstanceTransition(to: .upstreamFailed)
        case (.clear, .running):
            TaskInstanceTransition(to: .upForRetry)
        case (.clear, _):
            TaskInstanceTransition(to: .none)
        case (.mark(let target), _) where [.success, .failed, .skipped].contains(target):
            TaskInstanceTransition(to: target)
        case (.endRun(let ended), let current) where !current.isFinished && ended.isFinished:
            TaskInstanceTransition(to: ended)
        case (.sense(let verdict), .none), (.sense(let verdict), .scheduled), (.sense(let verdict), .upForReschedule):
            [.success, .failed, .skipped, .upForReschedule].contains(verdict)
                ? TaskInstanceTransition(to: verdict) : nil
        default:
            nil
        }
    }

    /// The states `event` applies to: the guard of the statement that writes it.
    public static func sources(of event: TaskInstanceEvent) -> [TaskState] {
        TaskState.allCases.filter { transition(from: $0, on: event) != nil }
    }

    /// `(…)`: the SQL list of the states `event` applies to, for `state IN …`.
    public static func sqlSources(of event: TaskInstanceEvent) -> String {
        TaskState.sqlList(sources(of: event))
    }

    /// `(column || '') IN (…)`: ``sqlSources(of:)`` as the guard of a statement that finds its rows
    /// by their ids (`id = ANY(…)`). Written as an expression so that PostgreSQL cannot serve it
    /// from a partial index on the state: such an index also holds every version of its rows that
    /// has left the state until a vacuum (thousands in a busy run), and scanning it found a batch of
    /// ten by visiting them all; with this guard the primary key finds the batch.
    public static func sqlSourcesGuard(of event: TaskInstanceEvent, column: String = "state") -> String {
        "(\(column) || '') IN \(sqlSources(of: event))"
    }

    /// `(…)`: the SQL list of the states `event` takes to `target`.
    public static func sqlSources(of event: TaskInstanceEvent, to target: TaskState) -> String {
        TaskState.sqlList(sources(of: event).filter { transition(from: $0, on: event)?.to == target })
    }

    /// `CASE column WHEN … END`: the state `event` takes a task instance to, for each state it
    /// applies to (NULL for the others: guard the statement with ``sqlSources(of:)``).
    public static func sqlTarget(of event: TaskInstanceEvent, column: String) -> String {
        let cases = sources(of: event).compactMap { state in
            transition(from: state, on: event).map { "WHEN '\(state.rawValue)' THEN '\($0.to.rawValue)'" }
        }
        return "CASE \(column) \(cases.joined(separator: " ")) END"
    }
}

extension TaskState {
    /// `('a','b')`: an SQL list of state literals (state names are fixed identifiers, never input).
    public static func sqlList(_ states: [TaskState]) -> String {
        "(" + states.map { "'\($0.rawValue)'" }.joined(separator: ",") + ")"
    }
}

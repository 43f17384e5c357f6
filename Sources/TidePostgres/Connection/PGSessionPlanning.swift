/// How PostgreSQL plans the prepared statements of a session.
public enum PGSessionPlanning: Sendable, Hashable {
    /// PostgreSQL's own choice (`plan_cache_mode = auto`): it plans a statement for its parameters
    /// at least five times, then keeps a generic plan only if that looks no dearer. For statements
    /// whose best plan depends on their parameters (the API's filters, the scheduler's scans).
    case perExecution
    /// Each statement planned once per session (`plan_cache_mode = force_generic_plan`), from
    /// index paths wherever there is one (`enable_seqscan = off`). Only for a session whose every
    /// statement finds its rows by key (the worker's claims, finishes, logs and heartbeats).
    ///
    /// Why: PostgreSQL kept planning the worker's claim and finish at every execution (their
    /// `= ANY($1)` array parameters), and planning cost more than running them: on the bench's
    /// tables 0.7-1.0 ms to plan the finish of three tries against 0.2 ms to run it, 0.2-0.3 ms
    /// against 0.05 for the claim. A generic plan alone is made once from the table's size at that
    /// moment: the worker's first claims on a young `task_instances` were planned as sequential
    /// scans and kept them (494 of 627 claims in one bench round); without sequential scans the
    /// one plan is the primary key's, whatever the table's size.
    case onceByKey

    /// The `-c name=value` options of the session's startup (after a space), or "".
    var sessionOptions: String {
        switch self {
        case .perExecution: ""
        case .onceByKey: " -c plan_cache_mode=force_generic_plan -c enable_seqscan=off"
        }
    }
}

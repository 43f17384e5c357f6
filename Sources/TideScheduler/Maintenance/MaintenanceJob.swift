/// A periodic job of the scheduler beside its event-driven core: DAG sync, scheduled run
/// creation, run timeouts, the rescue of dead workers' tries, the re-push of lost messages,
/// pruning. Each runs in its own loop, so a slow one never holds up the core or another job.
public struct MaintenanceJob: Sendable {
    /// Shown in logs.
    public var name: String
    /// Time from the start of one run to the start of the next (a run that takes longer is
    /// followed by the next at once).
    public var interval: Duration
    /// One run. It may return an earlier time for the next run (say, when a scheduled run falls
    /// due); nil keeps `interval`.
    public var body: @Sendable () async throws -> Duration?

    public init(name: String, interval: Duration, body: @escaping @Sendable () async throws -> Duration?) {
        self.name = name
        self.interval = interval
        self.body = body
    }
}

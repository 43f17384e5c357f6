import TideCore

/// A DAG run as the store lists it. Times are Unix seconds.
public struct RunRecord: Sendable, Hashable, Codable {
    /// Tide's numeric id for the run, used by the CLI (`tide runs show 42`).
    public var id: Int64
    public var dagId: String
    /// Airflow-style run id, e.g. `manual__2026-11-21T12:00:00.123Z`.
    public var runId: String
    public var dagHash: String
    public var state: DagRunState
    public var conf: String
    public var queuedAt: Double
    public var startedAt: Double?
    public var endedAt: Double?
    /// `manual`, `scheduled` or `backfill`.
    public var runType: String
    /// Unix seconds: a scheduled run's data interval start; a manual run's trigger time.
    public var logicalDate: Double
    public var dataIntervalStart: Double?
    public var dataIntervalEnd: Double?
    /// An operator's note on the run.
    public var note: String?

    private enum CodingKeys: String, CodingKey {
        case id, dagId = "dag_id", runId = "run_id", dagHash = "dag_hash", state, conf, queuedAt = "queued_at"
        case startedAt = "started_at", endedAt = "ended_at", runType = "run_type", logicalDate = "logical_date"
        case dataIntervalStart = "data_interval_start", dataIntervalEnd = "data_interval_end", note
    }

    static let columns = """
        r.id, r.dag_id, r.run_id, r.dag_hash, r.state, r.conf::text AS conf,
        extract(epoch FROM r.queued_at) AS queued_at, extract(epoch FROM r.started_at) AS started_at,
        extract(epoch FROM r.ended_at) AS ended_at, r.run_type, extract(epoch FROM r.logical_date) AS logical_date,
        extract(epoch FROM r.data_interval_start) AS data_interval_start,
        extract(epoch FROM r.data_interval_end) AS data_interval_end, r.note
        """

    init(row: PGRow) throws {
        guard let id = row.int64("id"), let dagId = row["dag_id"], let runId = row["run_id"],
            let hash = row["dag_hash"],
            let state = row["state"].flatMap(DagRunState.init(rawValue:)), let queuedAt = row.double("queued_at")
        else { throw PGError(code: .corruptRow, message: "unreadable dag_runs row") }
        self.id = id
        self.dagId = dagId
        self.runId = runId
        self.dagHash = hash
        self.state = state
        self.conf = row["conf"] ?? "{}"
        self.queuedAt = queuedAt
        self.startedAt = row.double("started_at")
        self.endedAt = row.double("ended_at")
        self.runType = row["run_type"] ?? "manual"
        self.logicalDate = row.double("logical_date") ?? queuedAt
        self.dataIntervalStart = row.double("data_interval_start")
        self.dataIntervalEnd = row.double("data_interval_end")
        self.note = row["note"]
    }
}

import TideCore

/// Dataset events and the runs they trigger (Airflow's datasets, assets in Airflow 3).
public struct DatasetStore: Sendable {
    let pool: PGPool

    public init(pool: PGPool) {
        self.pool = pool
    }

    /// One recorded update of a dataset.
    public struct Event: Sendable, Hashable, Codable {
        public var id: Int64
        public var uri: String
        public var sourceDagId: String
        /// The producing run's number (nil once it was deleted).
        public var sourceRunId: Int64?
        /// The producing run's Airflow-style id (`manual__…`), while it exists.
        public var sourceRunName: String?
        public var sourceTaskId: String
        public var sourceTryNumber: Int
        /// Unix seconds.
        public var createdAt: Double

        private enum CodingKeys: String, CodingKey {
            case id, uri, sourceDagId = "source_dag_id", sourceRunId = "source_run_id", sourceRunName =
                "source_run_name"
            case sourceTaskId = "source_task_id", sourceTryNumber = "source_try_number", createdAt = "created_at"
        }
    }

    /// Active, unpaused DAGs each of whose datasets was updated since their last dataset-triggered run.
    public func readyDAGs() async throws -> [String] {
        try await pool.query(
            """
            SELECT d.dag_id FROM dags d
            WHERE d.is_active AND NOT d.is_paused AND d.dataset_uris IS NOT NULL
              AND (SELECT count(*) FROM dataset_queue q WHERE q.dag_id = d.dag_id AND q.uri = ANY(d.dataset_uris))
                  = cardinality(d.dataset_uris)
            ORDER BY d.dag_id
            """, context: "find DAGs whose datasets were updated"
        ).rows.compactMap { $0["dag_id"] }
    }

    /// Creates a dataset-triggered run of `dagId` from the updates queued for it, linking the events
    /// since each dataset's first queued update, and takes the queue. Another scheduler that took
    /// the queue first leaves nothing to do: nil.
    public func createTriggeredRun(dagId: String) async throws -> RunRecord? {
        do {
            return try await createTriggeredRunOrThrow(dagId: dagId)
        } catch is DatasetQueueTaken {
            return nil
        }
    }

    private func createTriggeredRunOrThrow(dagId: String) async throws -> RunRecord? {
        try await pool.transaction { connection in
            let taken = try await connection.query(
                """
                DELETE FROM dataset_queue q USING dags d
                WHERE q.dag_id = $1 AND d.dag_id = q.dag_id AND q.uri = ANY(d.dataset_uris)
                RETURNING q.uri, q.first_event_at::text AS first_event_at,
                          cardinality(d.dataset_uris) AS wanted
                """, [dagId], context: "take the dataset updates of \(dagId)"
            ).rows
            guard let wanted = taken.first?.int("wanted"), taken.count == wanted else {
                // Not ready any more (another scheduler took it): undo.
                throw DatasetQueueTaken()
            }
            let uris = taken.compactMap { $0["uri"] }
            // Timestamps travel as text: exact to the microsecond.
            let since = taken.map { $0["first_event_at"] }
            guard
                let row = try await connection.query(
                    """
                    WITH run AS (
                        INSERT INTO dag_runs AS r (dag_id, run_id, dag_hash, state, run_type, logical_date,
                                                   data_interval_start, data_interval_end)
                        SELECT d.dag_id, 'asset_triggered__' || to_char(clock_timestamp() AT TIME ZONE 'UTC',
                                                                         'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
                               d.current_hash, 'queued', 'asset_triggered', clock_timestamp(),
                               e.first_at, e.last_at
                        FROM dags d,
                             LATERAL (SELECT min(created_at) AS first_at, max(created_at) AS last_at
                                      FROM dataset_events e JOIN unnest($2::text[], $3::timestamptz[]) AS w(uri, since)
                                        ON e.uri = w.uri AND e.created_at >= w.since) e
                        WHERE d.dag_id = $1 AND d.is_active
                        RETURNING \(RunRecord.columns)
                    ), linked AS (
                        INSERT INTO dag_run_dataset_events (run_id, event_id)
                        SELECT run.id, e.id FROM run, dataset_events e
                        JOIN unnest($2::text[], $3::timestamptz[]) AS w(uri, since)
                          ON e.uri = w.uri AND e.created_at >= w.since
                    )
                    SELECT * FROM run
                    """, [dagId, PGArray.literal(uris), PGArray.literal(since)],
                    context: "create a dataset-triggered run of \(dagId)"
                ).rows.first
            else { return nil }
            return try RunRecord(row: row)
        }
    }

    /// The dataset events that triggered a run, oldest first.
    public func events(triggering runId: Int64) async throws -> [Event] {
        try await pool.query(
            """
            SELECT e.id, e.uri, e.source_dag_id, e.source_run_id, r.run_id AS source_run_name, e.source_task_id,
                   e.source_try_number, extract(epoch FROM e.created_at) AS created_at
            FROM dag_run_dataset_events x JOIN dataset_events e ON e.id = x.event_id
            LEFT JOIN dag_runs r ON r.id = e.source_run_id
            WHERE x.run_id = $1 ORDER BY e.created_at, e.id
            """, [String(runId)], context: "list the dataset events of run \(runId)"
        ).rows.compactMap(Self.event)
    }

    /// The latest updates of a dataset (or of every dataset), newest first.
    public func events(uri: String? = nil, limit: Int = 100) async throws -> [Event] {
        try await pool.query(
            """
            SELECT e.id, e.uri, e.source_dag_id, e.source_run_id, r.run_id AS source_run_name, e.source_task_id,
                   e.source_try_number, extract(epoch FROM e.created_at) AS created_at
            FROM dataset_events e LEFT JOIN dag_runs r ON r.id = e.source_run_id
            WHERE $1::text IS NULL OR e.uri = $1 ORDER BY e.created_at DESC, e.id DESC LIMIT $2
            """, [uri, String(limit)], context: "list dataset events"
        ).rows.compactMap(Self.event)
    }

    private static func event(_ row: PGRow) -> Event? {
        guard let id = row.int64("id"), let uri = row["uri"], let dagId = row["source_dag_id"],
            let taskId = row["source_task_id"]
        else { return nil }
        return Event(
            id: id, uri: uri, sourceDagId: dagId, sourceRunId: row.int64("source_run_id"),
            sourceRunName: row["source_run_name"], sourceTaskId: taskId,
            sourceTryNumber: row.int("source_try_number") ?? 0, createdAt: row.double("created_at") ?? 0)
    }
}

/// Another scheduler created the run from the same queued updates first.
struct DatasetQueueTaken: Error {}

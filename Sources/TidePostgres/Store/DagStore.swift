import TideCore

/// DAG definitions (versioned by content hash) and DAG-file import errors.
public struct DagStore: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Stores a DAG's current definition; a new content hash becomes a new version. Runs keep the
    /// version they started with.
    /// - Parameter source: the DAG file's text, kept with a new version for the web UI.
    public func upsert(_ dag: DAG, source: String? = nil) async throws {
        try await upsert([(dag, source)])
    }

    /// Stores many DAGs' current definitions in one transaction of two statements (a scheduler's
    /// first scan of a large folder). A DAG id must appear once.
    public func upsert(_ dags: [(dag: DAG, source: String?)]) async throws {
        guard !dags.isEmpty else { return }
        let ids = PGArray.literal(dags.map(\.dag.dagId))
        // The hash is the canonical form's (as before the stored form existed: an upgrade stores no
        // new versions); the definition is stored without the fields at their defaults.
        let json = PGArray.literal(dags.map { $0.dag.serializedJSON() })
        let stored = PGArray.literal(dags.map { $0.dag.storedJSON() })
        try await pool.transaction { connection in
            try await connection.query(
                """
                INSERT INTO dag_versions (dag_id, content_hash, definition, source)
                SELECT v.dag_id, encode(sha256(convert_to(v.json, 'UTF8')), 'hex'), v.stored::jsonb, v.source
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS v(dag_id, json, source, stored)
                ON CONFLICT DO NOTHING
                """, [ids, json, PGArray.literal(dags.map(\.source)), stored],
                context: dags.count == 1 ? "store DAG version \(dags[0].dag.dagId)" : "store \(dags.count) DAG versions"
            )
            try await connection.query(
                """
                INSERT INTO dags (dag_id, fileloc, current_hash, is_active, description, tags, task_count, search_text,
                                  max_active_tasks, task_limits, has_schedule, dataset_uris)
                SELECT d.dag_id, d.fileloc, encode(sha256(convert_to(d.json, 'UTF8')), 'hex'), true, d.description,
                       ARRAY(SELECT jsonb_array_elements_text(d.tags::jsonb)), d.task_count,
                       lower(d.dag_id || ' ' || d.description || ' '
                             || array_to_string(ARRAY(SELECT jsonb_array_elements_text(d.tags::jsonb)), ' ')),
                       d.max_active_tasks, d.task_limits::jsonb, d.has_schedule,
                       CASE WHEN d.datasets IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(d.datasets::jsonb)) END
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[],
                            $8::text[], $9::boolean[], $10::text[])
                     AS d(dag_id, fileloc, json, description, tags, task_count, max_active_tasks, task_limits,
                          has_schedule, datasets)
                ON CONFLICT (dag_id) DO UPDATE SET
                    fileloc = EXCLUDED.fileloc, current_hash = EXCLUDED.current_hash, is_active = true,
                    description = EXCLUDED.description, tags = EXCLUDED.tags, task_count = EXCLUDED.task_count,
                    search_text = EXCLUDED.search_text, max_active_tasks = EXCLUDED.max_active_tasks,
                    task_limits = EXCLUDED.task_limits, has_schedule = EXCLUDED.has_schedule,
                    dataset_uris = EXCLUDED.dataset_uris, updated_at = clock_timestamp()
                """,
                [
                    ids, PGArray.literal(dags.map(\.dag.fileloc)), json,
                    PGArray.literal(dags.map(\.dag.description)),
                    PGArray.literal(dags.map { Self.tagsJSON($0.dag.tags) }),
                    PGArray.literal(dags.map { Int64($0.dag.tasks.count) }),
                    PGArray.literal(dags.map { Int64($0.dag.maxActiveTasks) }),
                    PGArray.literal(dags.map { Self.taskLimitsJSON($0.dag) }),
                    PGArray.literal(dags.map { $0.dag.schedule.isTimeBased ? "true" : "false" }),
                    PGArray.literal(
                        dags.map { entry -> String? in
                            DatasetEventSQL.urisJSON(entry.dag.schedule.datasetURIs)
                        }),
                ],
                context: dags.count == 1 ? "store DAG \(dags[0].dag.dagId)" : "store \(dags.count) DAGs")
        }
    }

    private static func tagsJSON(_ tags: [String]) -> String {
        String(decoding: JSONValue.array(tags.map(JSONValue.string)).encoded(), as: UTF8.self)
    }

    /// Each limited task's `max_active_tis_per_dag`, as the JSON object dispatch reads (task id → limit).
    static func taskLimitsJSON(_ dag: DAG) -> String {
        let limits = dag.tasks.compactMap { task in
            task.maxActiveTisPerDag.map { (task.taskId, JSONValue.number(Double($0))) }
        }
        return String(
            decoding: JSONValue.object(Dictionary(limits, uniquingKeysWith: { first, _ in first })).encoded(),
            as: UTF8.self)
    }

    /// The current versions of the active, unpaused DAGs that have a schedule, by DAG id.
    public func scheduledVersions() async throws -> [(dagId: String, hash: String)] {
        try await pool.query(
            """
            SELECT dag_id, current_hash FROM dags WHERE is_active AND NOT is_paused AND has_schedule ORDER BY dag_id
            """, context: "list scheduled DAGs"
        ).rows.compactMap { row in
            guard let dagId = row["dag_id"], let hash = row["current_hash"] else { return nil }
            return (dagId, hash)
        }
    }

    /// Marks inactive every DAG that is neither loaded now nor defined in a file that failed to load
    /// (a broken file keeps its last good version active, as in Airflow).
    /// - Returns: the DAG ids deactivated now.
    @discardableResult
    public func deactivate(allExcept loaded: [String], keepingFiles failedFiles: [String]) async throws -> [String] {
        try await pool.query(
            """
            UPDATE dags SET is_active = false, updated_at = clock_timestamp()
            WHERE is_active AND NOT (dag_id = ANY($1::text[])) AND NOT (fileloc = ANY($2::text[]))
            RETURNING dag_id
            """, [PGArray.literal(loaded), PGArray.literal(failedFiles)], context: "deactivate DAGs"
        ).rows.compactMap { $0["dag_id"] }
    }

    /// Replaces the import errors with `errors` (file → message).
    public func replaceImportErrors(_ errors: [String: String]) async throws {
        let files = errors.keys.sorted()
        try await pool.transaction { connection in
            try await connection.query(
                "DELETE FROM import_errors WHERE NOT (fileloc = ANY($1::text[]))", [PGArray.literal(files)],
                context: "clear import errors")
            for file in files {
                try await connection.query(
                    """
                    INSERT INTO import_errors (fileloc, message) VALUES ($1, $2)
                    ON CONFLICT (fileloc) DO UPDATE SET message = EXCLUDED.message,
                        recorded_at = CASE WHEN import_errors.message = EXCLUDED.message
                                           THEN import_errors.recorded_at ELSE clock_timestamp() END
                    """, [file, errors[file]], context: "record import error")
            }
        }
    }

    /// Pauses or unpauses a DAG: a paused DAG creates no runs and starts no queued ones; running runs finish.
    /// - Throws: ``PGError`` `notFound` for an unknown DAG.
    public func setPaused(_ dagId: String, _ paused: Bool) async throws {
        let result = try await pool.query(
            "UPDATE dags SET is_paused = $2 WHERE dag_id = $1", [dagId, paused ? "true" : "false"], context: "pause DAG"
        )
        guard result.affectedRows == 1 else {
            let known = try await list().map(\.dagId)
            let hint = Suggestion.hint(for: dagId, among: known).map { "; \($0)" } ?? ""
            throw PGError(code: .notFound, message: "no DAG '\(dagId)'\(hint)")
        }
    }

    /// The current definition of an active DAG.
    /// - Throws: ``PGError`` `notFound`.
    public func current(_ dagId: String) async throws -> DAG {
        guard let record = try await list().first(where: { $0.dagId == dagId }) else {
            let known = try await list().map(\.dagId)
            let hint = Suggestion.hint(for: dagId, among: known).map { "; \($0)" } ?? ""
            throw PGError(code: .notFound, message: "no active DAG '\(dagId)'\(hint)")
        }
        return try await definition(dagId: dagId, hash: record.contentHash)
    }

    /// Every DAG, active first, by id.
    public func list(includeInactive: Bool = false) async throws -> [DagRecord] {
        try await pool.query(
            "SELECT \(DagRecord.columns) FROM dags d WHERE d.is_active OR $1 ORDER BY d.dag_id",
            [includeInactive ? "true" : "false"], context: "list DAGs"
        ).rows.compactMap(DagRecord.init(row:))
    }

    /// The recorded import errors, by file.
    public func importErrors() async throws -> [ImportErrorRecord] {
        try await pool.query(
            """
            SELECT id, fileloc, message, extract(epoch FROM recorded_at) AS recorded_at FROM import_errors
            ORDER BY fileloc
            """,
            context: "list import errors"
        ).rows.compactMap { row in
            guard let file = row["fileloc"], let message = row["message"] else { return nil }
            return ImportErrorRecord(
                id: row.int64("id") ?? 0, fileloc: file, message: message, recordedAt: row.double("recorded_at") ?? 0)
        }
    }

    /// The definition of one DAG version.
    /// - Throws: ``PGError`` `notFound`, or `corruptRow` if the stored JSON is not a DAG.
    public func definition(dagId: String, hash: String) async throws -> DAG {
        let rows = try await pool.query(
            "SELECT definition::text AS definition FROM dag_versions WHERE dag_id = $1 AND content_hash = $2",
            [dagId, hash], context: "load DAG definition"
        ).rows
        guard let json = rows.first?["definition"] else {
            throw PGError(code: .notFound, message: "no definition for DAG '\(dagId)' version \(hash.prefix(12))")
        }
        do {
            return try DAG.deserialize(json)
        } catch {
            throw PGError(code: .corruptRow, message: "stored definition of DAG '\(dagId)' is unreadable: \(error)")
        }
    }
}

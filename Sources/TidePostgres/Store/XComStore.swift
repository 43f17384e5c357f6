import TideCore

/// Results tries publish for other tasks to read (Airflow's XCom), in `xcom`.
public struct XComStore: Sendable {
    let pool: PGPool

    public init(pool: PGPool) {
        self.pool = pool
    }

    /// One stored value, as `tide tasks xcom` lists it.
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var tryNumber: Int
        /// JSON text.
        public var value: String
        /// When it was stored (Unix seconds).
        public var createdAt: Double
        /// The map index of the instance that stored it (-1: the task is not mapped).
        public var mapIndex = -1
    }

    /// Stores a running try's values (key → JSON text), replacing what an earlier try stored under
    /// the same keys; only while the try runs, on this worker when `workerId` is given (an
    /// `executor: kubernetes` pod publishes for the worker that started it).
    /// - Returns: false when the try is no longer this worker's (nothing was stored).
    public func push(_ values: [String: String], taskInstanceId: Int64, tryNumber: Int, workerId: String?)
        async throws -> Bool
    {
        guard !values.isEmpty else { return true }
        let keys = values.keys.sorted()
        let rows = try await pool.query(
            """
            INSERT INTO xcom (task_instance_id, key, try_number, value)
            SELECT ti.id, v.key, ti.try_number, v.value::jsonb
            FROM task_instances ti, unnest($4::text[], $5::text[]) AS v(key, value)
            WHERE ti.id = $1 AND ti.try_number = $2 AND ti.state = 'running'
              AND ($3::text IS NULL OR ti.worker_id = $3)
            ON CONFLICT (task_instance_id, key) DO UPDATE SET try_number = EXCLUDED.try_number,
                value = EXCLUDED.value, created_at = clock_timestamp()
            RETURNING key
            """,
            [
                String(taskInstanceId), String(tryNumber), workerId, PGArray.literal(keys),
                PGArray.literal(keys.map { values[$0] ?? "null" }),
            ], context: "push results of task instance \(taskInstanceId)"
        ).rows
        return rows.count == keys.count
    }

    /// The values of `pulls` in a run: those the pulled task's current try stored and that try
    /// succeeded (a value of a failed or cleared try is not read). Missing ones are left out. A
    /// pull of a `mapped` task is the list of its instances' values, by map index (as Airflow's
    /// pull of a mapped task; instances without one are left out, none at all is `[]`).
    public func pull(runId: Int64, _ pulls: [XComPull], mapped: Set<String> = []) async throws -> [XComPull: JSONValue]
    {
        guard !pulls.isEmpty else { return [:] }
        let rows = try await pool.query(
            """
            SELECT wanted.task_id, wanted.key, wanted.mapped,
                   CASE WHEN wanted.mapped
                        THEN coalesce(jsonb_agg(x.value ORDER BY ti.map_index) FILTER (WHERE x.value IS NOT NULL), '[]')
                        ELSE min(x.value::text)::jsonb END::text AS value
            FROM unnest($2::text[], $3::text[], $4::boolean[]) AS wanted(task_id, key, mapped)
            JOIN task_instances ti ON ti.run_id = $1 AND ti.task_id = wanted.task_id
            LEFT JOIN xcom x ON ti.state = 'success' AND x.task_instance_id = ti.id AND x.key = wanted.key
                            AND x.try_number = ti.try_number
            GROUP BY wanted.task_id, wanted.key, wanted.mapped
            """,
            [
                String(runId), PGArray.literal(pulls.map(\.taskId)), PGArray.literal(pulls.map(\.key)),
                PGArray.literal(pulls.map { mapped.contains($0.taskId) ? "true" : "false" }),
            ],
            context: "pull results in run \(runId)"
        ).rows
        var values: [XComPull: JSONValue] = [:]
        for row in rows {
            guard let taskId = row["task_id"], let key = row["key"], let text = row["value"],
                let value = try? JSONValue.parse(text)
            else { continue }
            values[XComPull(taskId: taskId, key: key)] = value
        }
        return values
    }

    /// Stores a value under `key` for a task instance's current try, as an operator does through
    /// the API (Airflow's create XCom entry).
    /// - Returns: false when its current try already has a value under that key (nothing changed).
    /// `mapIndex` names a mapped task's instance (-1: a task that is not mapped), here and below.
    public func create(runId: Int64, taskId: String, mapIndex: Int = -1, key: String, value: String) async throws
        -> Bool
    {
        !(try await pool.query(
            """
            INSERT INTO xcom (task_instance_id, key, try_number, value)
            SELECT ti.id, $3, ti.try_number, $4::jsonb FROM task_instances ti
            WHERE ti.run_id = $1 AND ti.task_id = $2 AND ti.map_index = $5
            ON CONFLICT (task_instance_id, key) DO UPDATE SET try_number = EXCLUDED.try_number,
                value = EXCLUDED.value, created_at = clock_timestamp()
                -- A value of an earlier try is not the current try's: it is replaced.
                WHERE xcom.try_number <> EXCLUDED.try_number
            RETURNING key
            """, [String(runId), taskId, key, value, String(mapIndex)], context: "create a result"
        ).rows.isEmpty)
    }

    /// Replaces the value under `key` of a task instance's current try.
    /// - Returns: false when there is none.
    public func update(runId: Int64, taskId: String, mapIndex: Int = -1, key: String, value: String) async throws
        -> Bool
    {
        !(try await pool.query(
            """
            UPDATE xcom x SET value = $4::jsonb, created_at = clock_timestamp()
            FROM task_instances ti
            WHERE ti.run_id = $1 AND ti.task_id = $2 AND ti.map_index = $5 AND x.task_instance_id = ti.id
              AND x.key = $3 AND x.try_number = ti.try_number
            RETURNING x.key
            """, [String(runId), taskId, key, value, String(mapIndex)], context: "update a result"
        ).rows.isEmpty)
    }

    /// Deletes the value under `key` of a task instance's current try.
    /// - Returns: false when there is none.
    public func delete(runId: Int64, taskId: String, mapIndex: Int = -1, key: String) async throws -> Bool {
        !(try await pool.query(
            """
            DELETE FROM xcom x USING task_instances ti
            WHERE ti.run_id = $1 AND ti.task_id = $2 AND ti.map_index = $4 AND x.task_instance_id = ti.id
              AND x.key = $3 AND x.try_number = ti.try_number
            RETURNING x.key
            """, [String(runId), taskId, key, String(mapIndex)], context: "delete a result"
        ).rows.isEmpty)
    }

    /// Every value a task instance's current try stored, by key (nil `mapIndex`: of every
    /// instance of a mapped task, by map index then key).
    public func entries(runId: Int64, taskId: String, mapIndex: Int? = -1) async throws -> [Entry] {
        try await pool.query(
            """
            SELECT x.key, x.try_number, x.value::text AS value, extract(epoch FROM x.created_at) AS created_at,
                   ti.map_index
            FROM task_instances ti JOIN xcom x ON x.task_instance_id = ti.id AND x.try_number = ti.try_number
            WHERE ti.run_id = $1 AND ti.task_id = $2 AND ($3::int IS NULL OR ti.map_index = $3)
            ORDER BY ti.map_index, x.key
            """, [String(runId), taskId, mapIndex.map(String.init)], context: "list results"
        ).rows.compactMap { row in
            guard let key = row["key"], let tryNumber = row.int("try_number"), let value = row["value"] else {
                return nil
            }
            return Entry(
                key: key, tryNumber: tryNumber, value: value, createdAt: row.double("created_at") ?? 0,
                mapIndex: row.int("map_index") ?? -1)
        }
    }
}

import TideCore

/// The callback outbox: webhook calls waiting to be delivered, with their attempts.
public struct CallbackStore: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// One webhook call to make.
    public struct Item: Sendable, Hashable {
        public var id: Int64 = 0
        public var event: CallbackEvent
        public var dagId: String
        public var runId: Int64
        public var taskId: String?
        public var url: String
        public var headers: [String: String]
        public var body: String
        public var timeoutSeconds: Double
        public var maxAttempts: Int
        public var attempts = 0

        /// An item as stored (for delivery).
        init(
            id: Int64, event: CallbackEvent, dagId: String, runId: Int64, taskId: String?, url: String,
            headers: [String: String], body: String, timeoutSeconds: Double, maxAttempts: Int, attempts: Int
        ) {
            self.id = id
            self.event = event
            self.dagId = dagId
            self.runId = runId
            self.taskId = taskId
            self.url = url
            self.headers = headers
            self.body = body
            self.timeoutSeconds = timeoutSeconds
            self.maxAttempts = maxAttempts
            self.attempts = attempts
        }

        /// A new item: `spec`'s webhook with `payload` in its format.
        public init(spec: CallbackSpec, payload: CallbackPayload) {
            event = payload.event
            dagId = payload.dagId
            runId = payload.runNumber
            taskId = payload.taskId
            url = spec.url
            headers = spec.headers
            body = payload.body(spec.format)
            timeoutSeconds = spec.timeoutSeconds
            maxAttempts = spec.retries + 1
        }
    }

    /// A recorded callback and how its delivery went.
    public struct Record: Sendable, Hashable, Codable {
        public var id: Int64
        public var event: String
        public var taskId: String?
        public var state: String
        public var attempts: Int
        public var lastError: String?
    }

    /// Adds callbacks to the outbox on `connection` (inside the caller's transaction).
    static func enqueue(_ items: [Item], on connection: PGConnection) async throws {
        for item in items {
            try await connection.query(
                """
                INSERT INTO callbacks (event, dag_id, run_id, task_id, url, headers, body, timeout_seconds, max_attempts)
                VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)
                """,
                [
                    item.event.rawValue, item.dagId, String(item.runId), item.taskId, item.url,
                    JSONValue.object(item.headers.mapValues(JSONValue.string)).jsonText, item.body,
                    String(item.timeoutSeconds), String(item.maxAttempts),
                ], context: "enqueue callback")
        }
    }

    /// Takes up to `limit` due callbacks for delivery. Each is leased for its timeout plus
    /// `leaseMarginSeconds`; a sender that dies mid-delivery leaves it to be taken again.
    public func claim(limit: Int = 20, leaseMarginSeconds: Double = 30) async throws -> [Item] {
        try await pool.query(
            """
            UPDATE callbacks c SET state = 'sending', attempts = c.attempts + 1,
                locked_until = clock_timestamp() + (c.timeout_seconds + $2) * interval '1 second'
            WHERE c.id IN (
                SELECT id FROM callbacks
                WHERE (state = 'pending' AND next_attempt_at <= clock_timestamp())
                   OR (state = 'sending' AND locked_until < clock_timestamp())
                ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING c.id, c.event, c.dag_id, c.run_id, c.task_id, c.url, c.headers::text AS headers, c.body,
                      c.timeout_seconds, c.max_attempts, c.attempts
            """, [String(limit), String(leaseMarginSeconds)], context: "claim callbacks"
        ).rows.compactMap { row in
            guard let id = row.int64("id"), let event = row["event"].flatMap(CallbackEvent.init(rawValue:)),
                let dagId = row["dag_id"], let url = row["url"], let body = row["body"]
            else { return nil }
            var headers: [String: String] = [:]
            if case .object(let fields)? = row["headers"].flatMap({ try? JSONValue.parse($0) }) {
                for (name, value) in fields { if case .string(let text) = value { headers[name] = text } }
            }
            return Item(
                id: id, event: event, dagId: dagId, runId: row.int64("run_id") ?? 0, taskId: row["task_id"], url: url,
                headers: headers, body: body, timeoutSeconds: row.double("timeout_seconds") ?? 10,
                maxAttempts: row.int("max_attempts") ?? 1, attempts: row.int("attempts") ?? 1)
        }
    }

    /// Records a delivered callback.
    public func markSent(_ id: Int64) async throws {
        try await pool.query(
            "UPDATE callbacks SET state = 'sent', sent_at = clock_timestamp(), locked_until = NULL, last_error = NULL WHERE id = $1",
            [String(id)], context: "mark callback sent")
    }

    /// Records a failed attempt: retried after `retryInSeconds` while attempts remain, else `failed`.
    public func markAttemptFailed(_ id: Int64, error: String, retryInSeconds: Double) async throws {
        try await pool.query(
            """
            UPDATE callbacks SET last_error = $2, locked_until = NULL,
                state = CASE WHEN attempts < max_attempts THEN 'pending' ELSE 'failed' END,
                next_attempt_at = clock_timestamp() + $3 * interval '1 second'
            WHERE id = $1
            """, [String(id), error, String(retryInSeconds)], context: "mark callback attempt failed")
    }

    /// The callbacks of a run, oldest first.
    public func forRun(_ runId: Int64) async throws -> [Record] {
        try await pool.query(
            "SELECT id, event, task_id, state, attempts, last_error FROM callbacks WHERE run_id = $1 ORDER BY id",
            [String(runId)], context: "list callbacks"
        ).rows.compactMap { row in
            guard let id = row.int64("id"), let event = row["event"], let state = row["state"] else { return nil }
            return Record(
                id: id, event: event, taskId: row["task_id"], state: state, attempts: row.int("attempts") ?? 0,
                lastError: row["last_error"])
        }
    }
}

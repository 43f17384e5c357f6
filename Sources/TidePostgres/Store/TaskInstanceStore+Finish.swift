import TideCore

extension TaskInstanceStore {
    /// A try's end as its worker (or the rescue of a dead worker's try) records it.
    public struct TryResult: Sendable {
        public var taskInstanceId: Int64
        public var tryNumber: Int
        /// The worker the try must still be running on (the fence).
        public var workerId: String
        public var outcome: TryOutcome
        /// What the retry rule made of the outcome (``RetryDecision/decide(outcome:tryNumber:maxTries:delaySeconds:)``).
        public var decision: RetryDecision
        public var exitCode: Int?
        /// The log's last piece (at offset 0 when the whole log is in it).
        public var log: LogPiece
        public var logTruncated: Bool
        public var logTotalBytes: Int
        /// Callbacks to queue with the result, by the state the task instance ends in.
        public var callbacks: [TaskState: [CallbackStore.Item]]
        /// The task's `outlets`: a success records a dataset event for each, with the result.
        public var outlets: [String] = []

        public init(
            taskInstanceId: Int64, tryNumber: Int, workerId: String, outcome: TryOutcome, decision: RetryDecision,
            exitCode: Int? = nil, log: String = "", logTruncated: Bool = false, logTotalBytes: Int? = nil,
            callbacks: [TaskState: [CallbackStore.Item]] = [:]
        ) {
            self.init(
                taskInstanceId: taskInstanceId, tryNumber: tryNumber, workerId: workerId, outcome: outcome,
                decision: decision, exitCode: exitCode, logPiece: LogPiece(text: log, charOffset: 0, byteOffset: 0),
                logTruncated: logTruncated, logTotalBytes: logTotalBytes ?? log.utf8.count, callbacks: callbacks)
        }

        /// A result whose log was partly stored while the try ran: `logPiece` is what comes last.
        public init(
            taskInstanceId: Int64, tryNumber: Int, workerId: String, outcome: TryOutcome, decision: RetryDecision,
            exitCode: Int?, logPiece: LogPiece, logTruncated: Bool, logTotalBytes: Int,
            callbacks: [TaskState: [CallbackStore.Item]]
        ) {
            self.taskInstanceId = taskInstanceId
            self.tryNumber = tryNumber
            self.workerId = workerId
            self.outcome = outcome
            self.decision = decision
            self.exitCode = exitCode
            self.log = logPiece
            self.logTruncated = logTruncated
            self.logTotalBytes = logTotalBytes
            self.callbacks = callbacks
        }
    }

    /// Records one try's end; see ``finish(_:appendingLog:)``.
    public func finish(_ result: TryResult, appendingLog: Bool = false) async throws -> FinishedTry? {
        try await finish([result], appendingLog: appendingLog).first ?? nil
    }

    /// Records how tries ended, with their logs, in one statement (a transaction when callbacks
    /// are queued too), each guarded by try number, state and worker: a try that is no longer its
    /// worker's changes nothing but keeps its log, marked `(stale)`. With `appendingLog`, each log
    /// is added to what was stored while the try ran instead of replacing it.
    /// - Returns: per result, in order, the state its task instance is now in, or nil when stale.
    public func finish(_ results: [TryResult], appendingLog: Bool = false) async throws -> [FinishedTry?] {
        guard !results.isEmpty else { return [] }
        // One statement cannot write the same log row twice: a repeated try goes in a later one.
        var batches: [[Int]] = []
        var seen: [Set<TryRef>] = []
        for (position, result) in results.enumerated() {
            let key = TryRef(taskInstanceId: result.taskInstanceId, tryNumber: result.tryNumber)
            if let free = seen.firstIndex(where: { !$0.contains(key) }) {
                batches[free].append(position)
                seen[free].insert(key)
            } else {
                batches.append([position])
                seen.append([key])
            }
        }
        var finished = [FinishedTry?](repeating: nil, count: results.count)
        for batch in batches {
            let part = batch.map { results[$0] }
            for (position, outcome) in zip(batch, try await finishDistinct(part, appendingLog: appendingLog)) {
                finished[position] = outcome
            }
        }
        return finished
    }

    private func finishDistinct(_ results: [TryResult], appendingLog: Bool) async throws -> [FinishedTry?] {
        let parameters = Self.finishParameters(results, appendingLog: appendingLog)
        let withCallbacks = results.contains { !$0.callbacks.isEmpty }
        // The dataset statements cost the hot path ~20% of its throughput even with nothing to
        // record: a batch without outlets (nearly every one) does without them.
        let statement = results.contains { !$0.outlets.isEmpty } ? Self.finishWithOutletsSQL : Self.finishSQL
        let rows = try await pool.withConnection { connection -> [PGRow] in
            guard withCallbacks else {
                return try await connection.query(statement, parameters, context: "record finished tries").rows
            }
            return try await connection.transaction { connection in
                let rows = try await connection.query(statement, parameters, context: "record finished tries")
                    .rows
                let states = Dictionary(
                    rows.compactMap { row in
                        row.int64("id").flatMap { id in row["state"].flatMap(TaskState.init(rawValue:)).map { (id, $0) }
                        }
                    }, uniquingKeysWith: { first, _ in first })
                // Callbacks for the state each try ended in, written with the result (the outbox).
                let items = results.flatMap { result in
                    states[result.taskInstanceId].flatMap { result.callbacks[$0] } ?? []
                }
                if !items.isEmpty { try await CallbackStore.enqueue(items, on: connection) }
                return rows
            }
        }
        var byId: [Int64: FinishedTry] = [:]
        for row in rows {
            if let id = row.int64("id"), let runId = row.int64("run_id"),
                let state = row["state"].flatMap(TaskState.init(rawValue:))
            {
                byId[id] = FinishedTry(runId: runId, state: state)
            }
        }
        return results.map { byId[$0.taskInstanceId] }
    }

    /// The parameters of ``finishSQL`` for tries that are all distinct.
    static func finishParameters(_ results: [TryResult], appendingLog: Bool) -> [String?] {
        [
            PGArray.literal(results.map(\.taskInstanceId)),
            PGArray.literal(results.map { Int64($0.tryNumber) }),
            PGArray.literal(results.map(\.workerId)),
            PGArray.literal(results.map(\.outcome.rawValue)),
            PGArray.literal(results.map(\.decision.state.rawValue)),
            PGArray.literal(results.map { $0.exitCode.map(String.init) }),
            PGArray.literal(results.map { $0.decision.retryAfterSeconds.map { String($0) } }),
            PGArray.literal(results.map { String($0.decision.extraTry) }),
            PGArray.literal(results.map(\.log.text)),
            PGArray.literal(results.map { String($0.logTruncated) }),
            PGArray.literal(results.map { Int64($0.logTotalBytes) }),
            String(appendingLog),
            PGArray.literal(results.map(\.log.charOffset)),
            PGArray.literal(results.map(\.log.byteOffset)),
            PGArray.literal(results.map { $0.log.dropping.map { String($0.lowerBound) } }),
            PGArray.literal(results.map { $0.log.dropping.map { String($0.upperBound) } }),
            PGArray.literal(results.map { DatasetEventSQL.urisJSON($0.outlets) }),
        ]
    }

    /// The fenced finish of many tries and their logs. Every sub-statement sees the rows as they
    /// were before it, so the log takes the try's host and times from the running row. A log's
    /// last piece goes at its offset, or (with `$12`, appending) after what is stored.
    private static func finishSQL(outlets: Bool) -> String {
        """
        WITH input AS (
            SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::int[],
                                 $7::float8[], $8::boolean[], $9::text[], $10::boolean[], $11::bigint[],
                                 $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[], $17::text[])
              AS i(id, try_number, worker_id, outcome, state, exit_code, retry_after, extra_try, content, truncated,
                   total_bytes, char_offset, byte_offset, drop_from, drop_to, outlets)
        ), finished AS (
            UPDATE task_instances ti SET ended_at = clock_timestamp(), exit_code = i.exit_code, state = i.state,
                max_tries = ti.max_tries + i.extra_try::int,
                next_retry_at = clock_timestamp() + i.retry_after * interval '1 second',
                sensing_since = CASE WHEN i.state = 'up_for_reschedule' THEN coalesce(ti.sensing_since, ti.started_at)
                                     ELSE ti.sensing_since END,
                sensor_pokes = ti.sensor_pokes + (i.state = 'up_for_reschedule')::int
            FROM input i
            -- ti.id = ANY($1) repeats the join (here and below) so that the primary key finds the batch.
            WHERE ti.id = ANY($1::bigint[]) AND ti.id = i.id AND ti.try_number = i.try_number
              AND ti.worker_id = i.worker_id
              AND \(TaskInstanceMachine.sqlSourcesGuard(of: .finish(.finish(.success)), column: "ti.state"))
            RETURNING ti.id, ti.run_id, ti.state, ti.dag_id, ti.task_id, ti.try_number
        ), \(outlets ? outletsSQL : "") logged AS (
            INSERT INTO task_logs (task_instance_id, try_number, state, exit_code, worker_id, hostname, started_at,
                                   truncated, total_bytes, stored_chars, stored_bytes, scheduled_at, queued_at,
                                   pod_created_at, pod_scheduled_at, container_started_at, node_name, held_reason)
            SELECT i.id, i.try_number, CASE WHEN f.id IS NULL THEN i.outcome || ' (stale)' ELSE i.outcome END,
                   i.exit_code, i.worker_id, ti.hostname, ti.started_at, i.truncated, i.total_bytes,
                   CASE WHEN $12::boolean THEN 0 ELSE i.char_offset END + char_length(i.content),
                   CASE WHEN $12::boolean THEN 0 ELSE i.byte_offset END + octet_length(i.content),
                   ti.scheduled_at, ti.queued_at, ti.pod_created_at, ti.pod_scheduled_at, ti.container_started_at,
                   ti.node_name, ti.held_reason
            FROM input i JOIN task_instances ti ON ti.id = i.id AND ti.id = ANY($1::bigint[])
                LEFT JOIN finished f ON f.id = i.id
            ON CONFLICT (task_instance_id, try_number) DO UPDATE SET state = EXCLUDED.state,
                exit_code = EXCLUDED.exit_code, worker_id = EXCLUDED.worker_id, ended_at = clock_timestamp(),
                truncated = CASE WHEN $12::boolean THEN task_logs.truncated ELSE EXCLUDED.truncated END,
                total_bytes = CASE WHEN $12::boolean THEN task_logs.total_bytes + EXCLUDED.total_bytes
                                   ELSE EXCLUDED.total_bytes END,
                stored_chars = CASE WHEN $12::boolean THEN task_logs.stored_chars + EXCLUDED.stored_chars
                                    ELSE EXCLUDED.stored_chars END,
                stored_bytes = CASE WHEN $12::boolean THEN task_logs.stored_bytes + EXCLUDED.stored_bytes
                                    ELSE EXCLUDED.stored_bytes END,
                scheduled_at = EXCLUDED.scheduled_at, queued_at = EXCLUDED.queued_at,
                pod_created_at = EXCLUDED.pod_created_at, pod_scheduled_at = EXCLUDED.pod_scheduled_at,
                container_started_at = EXCLUDED.container_started_at, node_name = EXCLUDED.node_name,
                held_reason = EXCLUDED.held_reason
            -- A running try's partial log is completed by the result, or by the final log of the
            -- worker that wrote it; never by another (stale) worker's.
            WHERE task_logs.state = 'running'
              AND (EXCLUDED.state NOT LIKE '% (stale)' OR task_logs.worker_id = EXCLUDED.worker_id)
            RETURNING task_instance_id, try_number, stored_chars, stored_bytes
        ), pieces AS (
            SELECT l.task_instance_id, l.try_number, l.stored_chars - char_length(i.content) AS char_offset,
                   l.stored_bytes - octet_length(i.content) AS byte_offset, i.content,
                   CASE WHEN $12::boolean THEN NULL ELSE i.drop_from END AS drop_from,
                   CASE WHEN $12::boolean THEN NULL ELSE i.drop_to END AS drop_to
            FROM logged l JOIN input i ON i.id = l.task_instance_id AND i.try_number = l.try_number
            -- A last piece with nothing in it and nothing to drop changes no chunk.
            WHERE i.content <> '' OR i.drop_from IS NOT NULL
        ), \(chunkWritesSQL)
        SELECT id, run_id, state FROM finished
        """
    }

    static let finishSQL = finishSQL(outlets: false)
    /// As ``finishSQL``, also recording a dataset event for each outlet of a succeeded try.
    static let finishWithOutletsSQL = finishSQL(outlets: true)

    private static let outletsSQL = """
        outlet_rows AS (
            SELECT o.uri, f.dag_id, f.run_id, f.task_id, f.try_number
            FROM finished f JOIN input i ON i.id = f.id, jsonb_array_elements_text(i.outlets::jsonb) AS o(uri)
            WHERE f.state = 'success' AND i.outlets IS NOT NULL
        ), \(DatasetEventSQL.record(from: "outlet_rows")),
        """
}

import TideCore

extension TaskInstanceStore {
    /// Stores pieces of a running try's output (state `running` in `task_logs`), so that the log
    /// can be read and tailed while the try runs and outlives this worker. Written only while the
    /// try is this worker's; the try's result adds the last piece.
    /// - Returns: false when the try is no longer this worker's (nothing was written).
    @discardableResult
    public func storeRunningLog(
        _ pieces: [LogPiece], taskInstanceId: Int64, tryNumber: Int, workerId: String, truncated: Bool,
        totalBytes: Int
    ) async throws -> Bool {
        guard let last = pieces.last else { return true }
        let rows = try await pool.query(
            """
            WITH log AS (
                INSERT INTO task_logs (task_instance_id, try_number, state, worker_id, hostname, started_at,
                                       truncated, total_bytes, stored_chars, stored_bytes)
                SELECT ti.id, ti.try_number, 'running', $3::text, ti.hostname, ti.started_at, $4::boolean,
                       $5::bigint, $6::bigint, $7::bigint
                FROM task_instances ti WHERE ti.id = $1::bigint AND ti.try_number = $2::int
                  AND ti.state = 'running' AND ti.worker_id = $3::text
                ON CONFLICT (task_instance_id, try_number) DO UPDATE SET worker_id = EXCLUDED.worker_id,
                    truncated = EXCLUDED.truncated, total_bytes = EXCLUDED.total_bytes,
                    stored_chars = EXCLUDED.stored_chars, stored_bytes = EXCLUDED.stored_bytes,
                    ended_at = clock_timestamp()
                WHERE task_logs.state = 'running'
                RETURNING task_instance_id, try_number
            ), pieces AS (
                SELECT l.task_instance_id, l.try_number, p.*
                FROM log l, unnest($8::bigint[], $9::bigint[], $10::text[], $11::bigint[], $12::bigint[])
                    AS p(char_offset, byte_offset, content, drop_from, drop_to)
            ), \(Self.chunkWritesSQL)
            SELECT count(*) AS stored FROM log
            """,
            [
                String(taskInstanceId), String(tryNumber), workerId, String(truncated), String(totalBytes),
                String(last.charEnd), String(last.byteEnd),
                PGArray.literal(pieces.map(\.charOffset)), PGArray.literal(pieces.map(\.byteOffset)),
                PGArray.literal(pieces.map(\.text)),
                PGArray.literal(pieces.map { $0.dropping.map { String($0.lowerBound) } }),
                PGArray.literal(pieces.map { $0.dropping.map { String($0.upperBound) } }),
            ], context: "store running log of task instance \(taskInstanceId)"
        ).rows
        return rows.first?.int("stored") == 1
    }

    /// The chunk writes for a CTE `pieces (task_instance_id, try_number, char_offset, byte_offset,
    /// content, drop_from, drop_to)`: a piece at offset 0 starts the log again (an adopted pod's
    /// log is read again from its start), a drop range deletes the oldest kept pieces, and an
    /// empty piece only drops.
    static let chunkWritesSQL = """
        dropped AS (
            DELETE FROM task_log_chunks c USING pieces p
            WHERE c.task_instance_id = p.task_instance_id AND c.try_number = p.try_number
              AND ((p.char_offset = 0 AND c.char_offset > 0) OR (c.char_offset >= p.drop_from AND c.char_offset < p.drop_to))
              AND NOT EXISTS (SELECT 1 FROM pieces q WHERE q.task_instance_id = c.task_instance_id
                              AND q.try_number = c.try_number AND q.char_offset = c.char_offset)
        ), written AS (
            INSERT INTO task_log_chunks (task_instance_id, try_number, char_offset, byte_offset, char_count,
                                         byte_count, content)
            SELECT p.task_instance_id, p.try_number, p.char_offset, p.byte_offset, char_length(p.content),
                   octet_length(p.content), p.content
            FROM pieces p
            WHERE p.content <> '' AND NOT EXISTS (
                SELECT 1 FROM pieces d WHERE d.task_instance_id = p.task_instance_id AND d.try_number = p.try_number
                  AND p.char_offset >= d.drop_from AND p.char_offset < d.drop_to)
            ON CONFLICT (task_instance_id, try_number, char_offset) DO UPDATE SET byte_offset = EXCLUDED.byte_offset,
                char_count = EXCLUDED.char_count, byte_count = EXCLUDED.byte_count, content = EXCLUDED.content
        )
        """

    /// Up to `maxCharacters` of a try's stored log from character `offset`, cut after a line end
    /// when one is in the part. A try with no stored log yet reads as empty. Only the chunks the
    /// part needs are read.
    public func logSlice(taskInstanceId: Int64, tryNumber: Int, offset: Int, maxCharacters: Int) async throws
        -> LogSlice
    {
        let from = Int64(max(0, offset))
        let read = try await readChunks(
            taskInstanceId: taskInstanceId, tryNumber: tryNumber,
            chunks: """
                SELECT char_offset, byte_offset, content, is_last FROM (
                    SELECT char_offset, byte_offset, content,
                           sum(char_count) OVER w - char_count - greatest(0, $3 - first_value(char_offset) OVER w) AS before,
                           char_offset = max(char_offset) OVER () AS is_last
                    FROM task_log_chunks WHERE task_instance_id = $1 AND try_number = $2 AND char_offset + char_count > $3
                    WINDOW w AS (ORDER BY char_offset)) x
                WHERE before < $4
                """, from: from, limit: Int64(maxCharacters), context: "read log")
        var assembled = LogChunk.assemble(
            read.chunks, from: from, maxCharacters: Int64(maxCharacters), previousByteEnd: read.previousByteEnd,
            reachesEnd: read.reachesEnd, storedEnd: read.storedChars, storedEndBytes: read.storedBytes)
        // A page ends after a line, so lines are never split between pages (unless one is longer than a page).
        if assembled.end < read.storedChars, let newline = assembled.text.unicodeScalars.lastIndex(of: "\n") {
            let after = assembled.text.unicodeScalars[assembled.text.unicodeScalars.index(after: newline)...]
            assembled.end -= Int64(after.count)
            assembled.text = String(assembled.text.unicodeScalars[...newline])
        }
        return read.slice(assembled)
    }

    /// The last `maxCharacters` of a try's stored log, read without loading the rest: what a log
    /// viewer opens with. Its `offset` is where the part starts.
    public func logTail(taskInstanceId: Int64, tryNumber: Int, maxCharacters: Int) async throws -> LogSlice {
        let read = try await readChunks(
            taskInstanceId: taskInstanceId, tryNumber: tryNumber, chunks: Self.tailChunksSQL, from: 0,
            limit: Int64(maxCharacters), context: "read log tail")
        var start: Int64 = 0
        var wanted = Int64(maxCharacters)
        for chunk in read.chunks.reversed() {
            let count = Int64(chunk.text.unicodeScalars.count)
            start = chunk.charOffset + max(0, count - wanted)
            wanted -= count
            if wanted <= 0 { break }
        }
        let assembled = LogChunk.assemble(
            read.chunks, from: start, maxCharacters: .max, previousByteEnd: 0, reachesEnd: true,
            storedEnd: read.storedChars, storedEndBytes: read.storedBytes)
        return read.slice(assembled)
    }

    /// The chunks a tail read takes: the last ones holding at least `$4` characters.
    public static let tailChunksSQL = """
        SELECT char_offset, byte_offset, content, true AS is_last FROM (
            SELECT char_offset, byte_offset, content, sum(char_count) OVER (ORDER BY char_offset DESC) - char_count AS after
            FROM task_log_chunks WHERE task_instance_id = $1 AND try_number = $2) x
        WHERE after < $4
        """

    /// A try's log header with the chunks `chunks` selects (`$1` task instance, `$2` try, `$3`
    /// from, `$4` characters wanted), in one statement.
    public static func chunkReadSQL(_ chunks: String) -> String {
        """
        SELECT l.truncated, l.stored_chars, l.stored_bytes, ti.state AS ti_state, ti.try_number AS current_try,
               (SELECT p.byte_offset + p.byte_count FROM task_log_chunks p
                WHERE p.task_instance_id = $1 AND p.try_number = $2 AND p.char_offset < $3
                ORDER BY p.char_offset DESC LIMIT 1) AS previous_byte_end,
               c.char_offset, c.byte_offset, c.content, c.is_last
        FROM task_instances ti LEFT JOIN task_logs l ON l.task_instance_id = ti.id AND l.try_number = $2
             LEFT JOIN LATERAL (\(chunks)) c ON l.task_instance_id IS NOT NULL
        WHERE ti.id = $1
        ORDER BY c.char_offset
        """
    }

    private struct ChunkRead {
        var chunks: [LogChunk] = []
        var previousByteEnd: Int64 = 0
        var reachesEnd = true
        var storedChars: Int64 = 0
        var storedBytes: Int64 = 0
        var truncated = false
        var running = false

        func slice(_ assembled: LogChunk.Assembled) -> LogSlice {
            LogSlice(
                content: assembled.text, offset: Int(assembled.start), nextOffset: Int(assembled.end),
                storedCharacters: Int(storedChars), isRunning: running, truncated: truncated)
        }
    }

    private func readChunks(
        taskInstanceId: Int64, tryNumber: Int, chunks: String, from: Int64, limit: Int64, context: String
    ) async throws -> ChunkRead {
        let rows = try await pool.query(
            Self.chunkReadSQL(chunks), [String(taskInstanceId), String(tryNumber), String(from), String(limit)],
            context: context
        ).rows
        guard let first = rows.first else {
            throw PGError(code: .notFound, message: "no task instance \(taskInstanceId)")
        }
        var read = ChunkRead()
        read.storedChars = first.int64("stored_chars") ?? 0
        read.storedBytes = first.int64("stored_bytes") ?? 0
        read.truncated = first.bool("truncated") ?? false
        read.previousByteEnd = first.int64("previous_byte_end") ?? 0
        read.running =
            first.int("current_try") == tryNumber && (first["ti_state"] == "running" || first["ti_state"] == "queued")
        read.chunks = rows.compactMap { row in
            guard let offset = row.int64("char_offset"), let bytes = row.int64("byte_offset"), let text = row["content"]
            else { return nil }
            return LogChunk(charOffset: offset, byteOffset: bytes, text: text)
        }
        read.reachesEnd = read.chunks.isEmpty || rows.contains { $0.bool("is_last") == true }
        return read
    }

    /// The logs of a task's tries, oldest first (or only `tryNumber`), each whole; of a mapped
    /// task, by map index (or only `mapIndex`'s).
    public func logs(runId: Int64, taskId: String, tryNumber: Int? = nil, mapIndex: Int? = nil) async throws
        -> [TaskLogRecord]
    {
        let rows = try await pool.query(
            """
            SELECT l.task_instance_id, l.try_number, l.state, l.exit_code, l.worker_id, l.truncated, l.total_bytes,
                   l.stored_chars, l.stored_bytes, c.char_offset, c.byte_offset, c.content
            FROM task_logs l JOIN task_instances ti ON ti.id = l.task_instance_id
                 LEFT JOIN task_log_chunks c ON c.task_instance_id = l.task_instance_id AND c.try_number = l.try_number
            WHERE ti.run_id = $1 AND ti.task_id = $2 AND ($3::int IS NULL OR l.try_number = $3)
              AND ($4::int IS NULL OR ti.map_index = $4)
            ORDER BY ti.map_index, l.try_number, c.char_offset
            """, [String(runId), taskId, tryNumber.map(String.init), mapIndex.map(String.init)], context: "read logs"
        ).rows
        var records: [TaskLogRecord] = []
        var chunks: [LogChunk] = []
        var end: (chars: Int64, bytes: Int64) = (0, 0)
        func close() {
            guard !records.isEmpty else { return }
            records[records.count - 1].content =
                LogChunk.assemble(
                    chunks, from: 0, maxCharacters: .max, previousByteEnd: 0, reachesEnd: true, storedEnd: end.chars,
                    storedEndBytes: end.bytes
                ).text
            chunks = []
        }
        for row in rows {
            guard let id = row.int64("task_instance_id"), let number = row.int("try_number") else { continue }
            if records.last?.taskInstanceId != id || records.last?.tryNumber != number {
                close()
                records.append(
                    TaskLogRecord(
                        taskInstanceId: id, tryNumber: number, state: row["state"] ?? "",
                        exitCode: row.int("exit_code"), workerId: row["worker_id"], content: "",
                        truncated: row.bool("truncated") ?? false, totalBytes: row.int("total_bytes") ?? 0))
                end = (row.int64("stored_chars") ?? 0, row.int64("stored_bytes") ?? 0)
            }
            if let offset = row.int64("char_offset"), let bytes = row.int64("byte_offset"), let text = row["content"] {
                chunks.append(LogChunk(charOffset: offset, byteOffset: bytes, text: text))
            }
        }
        close()
        return records
    }
}

import Testing
import TideCore
import TidePostgres
import TideTestSupport

@Suite("The move of stored logs into chunks (migration 10)", .serialized)
struct LogChunksMigrationTests {
    @Test func logsStoredWholeBeforeBecomeOneChunkEachAndReadAsBefore() async throws {
        // A database as release 9 left it: each try's log one text row.
        let schema = try await IsolatedSchema.create(migrations: Array(Migration.all.prefix(9)))
        for statement in [
            "INSERT INTO dag_versions (dag_id, content_hash, definition) VALUES ('old', 'h1', '{}')",
            "INSERT INTO dags (dag_id, fileloc, current_hash, task_count) VALUES ('old', 'old.yaml', 'h1', 1)",
            """
            INSERT INTO dag_runs (id, dag_id, run_id, dag_hash, logical_date, state)
            VALUES (1, 'old', 'manual__1', 'h1', now(), 'success')
            """,
            """
            INSERT INTO task_instances (id, run_id, dag_id, task_id, state, try_number, max_tries, queue, retry_delay_seconds)
            VALUES (7, 1, 'old', 'a', 'success', 2, 2, 'default', 0)
            """,
            """
            INSERT INTO task_logs (task_instance_id, try_number, state, content, total_bytes)
            VALUES (7, 1, 'failed', E'first try\\r\\nnaïve ✓\\n', 21), (7, 2, 'success', '', 0)
            """,
        ] {
            try await schema.pool.query(statement)
        }
        try await schema.pool.withConnection { connection in
            _ = try await Migrator().migrate(connection, schema: schema.name)
        }
        let tasks = TaskInstanceStore(pool: schema.pool)
        let logs = try await tasks.logs(runId: 1, taskId: "a")
        #expect(logs.map(\.content) == ["first try\r\nnaïve ✓\n", ""])
        let tail = try await tasks.logTail(taskInstanceId: 7, tryNumber: 1, maxCharacters: 8)
        #expect(tail.content == "naïve ✓\n")
        #expect(tail.offset == 11)
        #expect(tail.storedCharacters == 19)
        let chunks = try await schema.pool.query("SELECT count(*) AS n FROM task_log_chunks").rows.first?.int("n")
        #expect(chunks == 1, "an empty log has no chunk")
        await schema.drop()
    }
}

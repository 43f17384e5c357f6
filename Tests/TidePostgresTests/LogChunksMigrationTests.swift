import Testing
import TideCore
import TidePostgres
import TideTestSupport

@Suite("The move of stored logs into chunks (migration 10)", .serialized)
struct LogChunksMigrationTests {
    @Test func logsStoredWholeBeforeBecomeOneChunkEachAndReadAsBefore() async throws {
        // A database as release 9 left it: each try's log one text row.
        let schema = try await OldReleaseDatabase.make(
            release: 9, runState: "success",
            [
                """
                INSERT INTO task_instances (id, run_id, dag_id, task_id, state, try_number, max_tries, queue, retry_delay_seconds)
                VALUES (7, 1, 'old', 'a', 'success', 2, 2, 'default', 0)
                """,
                """
                INSERT INTO task_logs (task_instance_id, try_number, state, content, total_bytes)
                VALUES (7, 1, 'failed', E'first try\\r\\nnaïve ✓\\n', 21), (7, 2, 'success', '', 0)
                """,
            ])
        try await OldReleaseDatabase.migrate(schema)
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

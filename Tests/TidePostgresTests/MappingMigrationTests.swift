import Testing
import TideCore
import TidePostgres
import TideTestSupport

@Suite("Map indexes on existing task instances (migration 15)", .serialized)
struct MappingMigrationTests {
    @Test func existingTaskInstancesBecomeMapIndexMinusOneAndTheKeyTakesTheIndex() async throws {
        // A database as release 14 left it: one run with one task instance.
        let schema = try await IsolatedSchema.create(migrations: Array(Migration.all.prefix(14)))
        for statement in [
            "INSERT INTO dag_versions (dag_id, content_hash, definition) VALUES ('old', 'h1', '{}')",
            "INSERT INTO dags (dag_id, fileloc, current_hash, task_count) VALUES ('old', 'old.yaml', 'h1', 1)",
            """
            INSERT INTO dag_runs (id, dag_id, run_id, dag_hash, logical_date, state)
            VALUES (1, 'old', 'manual__1', 'h1', now(), 'running')
            """,
            """
            INSERT INTO task_instances (id, run_id, dag_id, task_id, state, try_number, max_tries, queue, retry_delay_seconds)
            VALUES (7, 1, 'old', 'a', 'success', 1, 1, 'default', 0)
            """,
        ] {
            try await schema.pool.query(statement)
        }
        try await schema.pool.withConnection { connection in
            _ = try await Migrator().migrate(connection, schema: schema.name)
        }
        let tasks = TaskInstanceStore(pool: schema.pool)
        let before = try await tasks.get(runId: 1, taskId: "a")
        #expect(before.mapIndex == -1 && before.mapItem == nil && before.label == "a")
        let states = try await tasks.states(of: [1: ["a"]])
        #expect(states[1]?["a"]?.instances.map(\.mapIndex) == [-1])
        #expect(states[1]?["a"]?.isExpanded == false)
        // The key is (run, task, map index): the same index twice is refused, another is a new instance.
        let insert = """
            INSERT INTO task_instances (run_id, dag_id, task_id, state, max_tries, queue, retry_delay_seconds, map_index)
            VALUES (1, 'old', 'a', 'none', 1, 'default', 0, $1)
            """
        await #expect(throws: PGError.self) { try await schema.pool.query(insert, ["-1"]) }
        try await schema.pool.query(insert, ["0"])
        #expect(try await tasks.states(of: [1: ["a"]])[1]?["a"]?.instances.map(\.mapIndex) == [-1, 0])
        await schema.drop()
    }
}

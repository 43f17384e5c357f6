import Testing
import TideCore
import TidePostgres
import TideTestSupport

@Suite("Map indexes on existing task instances (migration 15)", .serialized)
struct MappingMigrationTests {
    @Test func existingTaskInstancesBecomeMapIndexMinusOneAndTheKeyTakesTheIndex() async throws {
        // A database as release 14 left it: one run with one task instance.
        let schema = try await OldReleaseDatabase.make(
            release: 14, runState: "running",
            [
                """
                INSERT INTO task_instances (id, run_id, dag_id, task_id, state, try_number, max_tries, queue, retry_delay_seconds)
                VALUES (7, 1, 'old', 'a', 'success', 1, 1, 'default', 0)
                """
            ])
        try await OldReleaseDatabase.migrate(schema)
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

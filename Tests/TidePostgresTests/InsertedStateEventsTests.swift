import Testing
import TideCore
import TideTestSupport

@testable import TidePostgres

/// Task instances inserted together get their first state events from one statement (migration
/// 16): one event per row, in the rows' order, none for a row not inserted; updates keep theirs.
@Suite("State events of inserted task instances (migration 16)")
struct InsertedStateEventsTests {
    /// The task-instance events recorded after event `after`, as "task:state:try".
    static func events(_ schema: IsolatedSchema, after: Int64 = 0) async throws -> [String] {
        try await schema.pool.query(
            """
            SELECT task_id || ':' || state || ':' || coalesce(try_number::text, '') AS event FROM state_events
            WHERE kind = 'task_instance' AND id > $1 ORDER BY id
            """, [String(after)]
        ).rows.compactMap { $0["event"] }
    }

    @Test func aRunsStartRecordsOneEventPerTaskInstanceInOrderAndUpdatesKeepTheirs() async throws {
        let dag = DAG(
            dagId: "three",
            tasks: ["c", "a", "b"].map { TaskSpec(taskId: $0, kind: .bash("true")) }, fileloc: "three.yaml")
        let fixture = try await Fixture.make(dag)
        let ids = try await fixture.schema.pool.query(
            "SELECT task_id FROM task_instances WHERE run_id = $1 ORDER BY id", [String(fixture.run.id)]
        ).rows.compactMap { $0["task_id"] }
        #expect(ids.count == 3)
        #expect(try await Self.events(fixture.schema) == ids.map { "\($0):none:0" })

        let newest = try #require(
            try await fixture.schema.pool.query("SELECT max(id) AS id FROM state_events").rows.first?.int64("id"))
        let a = try #require(fixture.ids["a"])
        _ = try await fixture.tasks.queue([a])
        #expect(try await Self.events(fixture.schema, after: newest) == ["a:queued:1"])
        // A run started again inserts nothing (its instances exist): no event.
        let runs = RunStore(pool: fixture.schema.pool)
        #expect(try await runs.start(fixture.run, dag: dag) == false)
        try await fixture.schema.pool.query(
            """
            INSERT INTO task_instances (run_id, dag_id, task_id, state, max_tries, retry_delay_seconds, queue)
            VALUES ($1, 'three', 'a', 'none', 1, 0, 'default') ON CONFLICT DO NOTHING
            """, [String(fixture.run.id)])
        #expect(try await Self.events(fixture.schema, after: newest) == ["a:queued:1"])
        await fixture.schema.drop()
    }

    @Test func aDatabaseMigratedFromRelease15RecordsEachInsertOnce() async throws {
        let schema = try await OldReleaseDatabase.make(release: 15, runState: "running")
        try await OldReleaseDatabase.migrate(schema)
        try await schema.pool.query(
            """
            INSERT INTO task_instances (run_id, dag_id, task_id, state, max_tries, retry_delay_seconds, queue)
            VALUES (1, 'old', 'x', 'none', 1, 0, 'default'), (1, 'old', 'y', 'none', 1, 0, 'default')
            """)
        #expect(try await Self.events(schema) == ["x:none:0", "y:none:0"], "once each, not by two triggers")
        try await schema.pool.query("UPDATE task_instances SET state = 'scheduled' WHERE task_id = 'y'")
        try await schema.pool.query("UPDATE task_instances SET queue = 'other' WHERE task_id = 'x'")
        #expect(try await Self.events(schema) == ["x:none:0", "y:none:0", "y:scheduled:0"])
        await schema.drop()
    }
}

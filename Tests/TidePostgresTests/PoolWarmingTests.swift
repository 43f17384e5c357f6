import Foundation
import Testing
import TideCore
import TideTestSupport

@testable import TidePostgres

/// A worker's pool opens its busy connections and plans its claim and finish before the first
/// tries arrive, changing nothing in the database.
@Suite("Pool warming")
struct PoolWarmingTests {
    struct Marker: Error {}

    /// A pool of `maxConnections` on the fixture's schema, named so its sessions can be counted.
    static func pool(_ fixture: Fixture, maxConnections: Int, application: String) -> PGPool {
        PGPool(
            .init(
                url: fixture.schema.url, schema: fixture.schema.name, maxConnections: maxConnections,
                applicationName: application, planning: .onceByKey))
    }

    /// Sessions PostgreSQL has open for `application`.
    static func sessions(_ fixture: Fixture, application: String) async throws -> Int {
        try await fixture.schema.pool.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1", [application]
        ).rows.first?.int("n") ?? -1
    }

    /// State events recorded so far.
    static func stateEvents(_ fixture: Fixture) async throws -> Int {
        try await fixture.schema.pool.query("SELECT count(*)::int AS n FROM state_events").rows.first?.int("n") ?? -1
    }

    @Test func warmingOpensTheConnectionsAskedForAndPlansTheClaimAndFinishOnEach() async throws {
        let fixture = try await Fixture.make(
            DAG(dagId: "one", tasks: [TaskSpec(taskId: "a", kind: .bash("true"))], fileloc: "one.yaml"))
        let id = try #require(fixture.ids["a"])
        _ = try await fixture.tasks.queue([id])
        let application = "warm-\(UUID().uuidString.prefix(8))"
        let pool = Self.pool(fixture, maxConnections: 4, application: application)
        let prepared = LockedBox<[Int]>([])
        let eventsBefore = try await Self.stateEvents(fixture)

        try await pool.warm(connections: 2) { connection in
            try await TaskInstanceStore.prepareWorkerStatements(on: connection)
            let backend = try await connection.query("SELECT pg_backend_pid() AS pid").rows.first?.int("pid")
            prepared.mutate { $0.append(backend ?? -1) }
        }

        #expect(try await Self.sessions(fixture, application: application) == 2)
        #expect(Set(prepared.value).count == 2, "each of the two sessions prepared")
        // Both sessions are idle in the pool: two loans held at once get them, planned already.
        let statements = "SELECT statement, generic_plans::int AS generic FROM pg_prepared_statements"
        let plans = try await pool.withConnection { first in
            try await pool.withConnection { second in
                [try await first.query(statements).rows, try await second.query(statements).rows]
            }
        }.map { rows in
            Dictionary(
                rows.compactMap { row in row["statement"].map { ($0, row.int("generic") ?? 0) } },
                uniquingKeysWith: max)
        }
        #expect(try await Self.sessions(fixture, application: application) == 2, "no session opened for the loans")
        for plan in plans {
            #expect(plan[TaskInstanceStore.claimSQL] == 1, "the claim planned once")
            #expect(plan[TaskInstanceStore.finishSQL] == 1, "the finish planned once")
        }
        // Nothing changed: the try is still queued, unclaimed, with no log and no new state event.
        let row = try #require(
            try await fixture.schema.pool.query(
                """
                SELECT state, worker_id, (SELECT count(*)::int FROM task_logs) AS logs FROM task_instances WHERE id = $1
                """, [String(id)]
            ).rows.first)
        #expect(row["state"] == "queued")
        #expect(row["worker_id"] == nil)
        #expect(row.int("logs") == 0)
        #expect(try await Self.stateEvents(fixture) == eventsBefore)
        await pool.close()
        await fixture.schema.drop()
    }

    @Test func warmingOpensNoMoreThanThePoolHoldsAndAFailedPreparationLeavesThePoolUsable() async throws {
        let fixture = try await Fixture.make(
            DAG(dagId: "one", tasks: [TaskSpec(taskId: "a", kind: .bash("true"))], fileloc: "one.yaml"))
        let application = "warm-\(UUID().uuidString.prefix(8))"
        let pool = Self.pool(fixture, maxConnections: 2, application: application)
        try await pool.warm(connections: 5) { _ in }
        #expect(try await Self.sessions(fixture, application: application) == 2)

        await #expect(throws: Marker.self) {
            try await pool.warm(connections: 2) { _ in throw Marker() }
        }
        // The connections the failed warming held went back: a loan is served (not left waiting).
        let answer = try await pool.query("SELECT 1 AS one").rows.first?.int("one")
        #expect(answer == 1)
        #expect(try await Self.sessions(fixture, application: application) == 2)
        await pool.close()
        await fixture.schema.drop()
    }
}

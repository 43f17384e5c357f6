import Testing
import TideCore
import TideTestSupport

@testable import TidePostgres

/// A worker's session plans each statement once, from the primary key even while the table is
/// empty; other sessions leave the choice to PostgreSQL.
@Suite("Session planning")
struct SessionPlanningTests {
    /// A claim and a finish of one try through a one-connection pool planned `planning`, on a
    /// fresh run of one task; then what that connection's prepared statements were planned as.
    static func claimAndFinish(planning: PGSessionPlanning) async throws -> (
        settings: [String?], custom: Int, generic: Int, claimPlan: String
    ) {
        let fixture = try await Fixture.make(
            DAG(dagId: "one", tasks: [TaskSpec(taskId: "a", kind: .bash("true"))], fileloc: "one.yaml"))
        let pool = PGPool(
            .init(url: fixture.schema.url, schema: fixture.schema.name, maxConnections: 1, planning: planning))
        let tasks = TaskInstanceStore(pool: pool)
        let id = try #require(fixture.ids["a"])
        _ = try await tasks.queue([id])
        let claimed = try await tasks.claim(
            [.init(taskInstanceId: id, tryNumber: 1)], workerId: "w", hostname: "h", pid: 1)
        #expect(claimed.count == 1)
        let finished = try await tasks.finish([
            .init(
                taskInstanceId: id, tryNumber: 1, workerId: "w", outcome: .success, decision: .finish(.success),
                log: "done\n")
        ])
        #expect(finished.map { $0?.state } == [.success])

        let settings = try await pool.query(
            "SELECT current_setting('plan_cache_mode') AS mode, current_setting('enable_seqscan') AS seqscan"
        ).rows.first
        let counts = try #require(
            try await pool.query(
                "SELECT sum(custom_plans)::bigint AS custom, sum(generic_plans)::bigint AS generic FROM pg_prepared_statements"
            ).rows.first)
        let claimName = try #require(
            try await pool.query(
                "SELECT name FROM pg_prepared_statements WHERE statement = $1", [TaskInstanceStore.claimSQL]
            ).rows.first?["name"])
        let plan = try await pool.query("EXPLAIN EXECUTE \(claimName)('{1,2}', '{1,1}', 'w', 'h', 1)").rows
            .compactMap { $0["QUERY PLAN"] }.joined(separator: "\n")
        await pool.close()
        await fixture.schema.drop()
        return (
            [settings?["mode"], settings?["seqscan"]], counts.int("custom") ?? -1, counts.int("generic") ?? -1, plan
        )
    }

    @Test func aSessionPlannedOnceByKeyPlansTheClaimOnceFromThePrimaryKeyOnAYoungTable() async throws {
        let keyed = try await Self.claimAndFinish(planning: .onceByKey)
        #expect(keyed.settings == ["force_generic_plan", "off"])
        #expect(keyed.custom == 0, "no statement planned for its parameters")
        #expect(keyed.generic >= 3, "the queue, the claim and the finish, each planned once")
        #expect(
            keyed.claimPlan.contains("Index Scan on task_instances_pkey")
                || keyed.claimPlan.contains("Index Scan using task_instances_pkey"), "\(keyed.claimPlan)")
        #expect(!keyed.claimPlan.contains("Seq Scan on task_instances"), "\(keyed.claimPlan)")
    }

    @Test func aSessionPlannedPerExecutionKeepsPostgreSQLsDefaults() async throws {
        let chosen = try await Self.claimAndFinish(planning: .perExecution)
        #expect(chosen.settings == ["auto", "on"])
        #expect(chosen.custom >= 3, "planned for their parameters at first")
    }
}

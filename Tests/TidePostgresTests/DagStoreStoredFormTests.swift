import Testing
import TideCore
import TideTestSupport

@testable import TidePostgres

@Suite("DAG store: the stored form of a definition")
struct DagStoreStoredFormTests {
    /// A version is found by the hash of its canonical form (as before the stored form existed, so
    /// an upgrade stores no new versions) and stored without the fields at their defaults.
    @Test func aVersionIsHashedCanonicallyAndStoredWithoutDefaults() async throws {
        let schema = try await IsolatedSchema.create()
        let dags = DagStore(pool: schema.pool)
        var tuned = TaskSpec(taskId: "tuned", upstream: ["plain"], retries: 3, kind: .bash("exit 1"), pool: "small")
        tuned.doXcomPush = true
        let dag = DAG(
            dagId: "stored", tasks: [TaskSpec(taskId: "plain", kind: .command(["true"])), tuned],
            fileloc: "stored.yaml")
        try await dags.upsert(dag)

        let row = try #require(
            try await schema.pool.query(
                """
                SELECT v.content_hash, d.current_hash, encode(sha256(convert_to($1, 'UTF8')), 'hex') AS canonical_hash,
                       v.definition -> 'tasks' -> 1 ->> 'pool' AS tuned_pool,
                       v.definition -> 'tasks' -> 0 ? 'pool' AS plain_has_pool,
                       v.definition -> 'tasks' -> 0 ? 'trigger_rule' AS plain_has_trigger_rule,
                       (SELECT count(*) FROM jsonb_object_keys(v.definition -> 'tasks' -> 0)) AS plain_keys
                FROM dag_versions v JOIN dags d USING (dag_id) WHERE v.dag_id = 'stored'
                """, [dag.serializedJSON()]
            ).rows.first)
        #expect(row["content_hash"] == row["canonical_hash"])
        #expect(row["current_hash"] == row["canonical_hash"])
        #expect(row.int("plain_keys") == 8, "a task at every default stores what earlier readers require")
        #expect(row.bool("plain_has_pool") == false, "the default pool is left out")
        #expect(row.bool("plain_has_trigger_rule") == false, "the default trigger rule is left out")
        #expect(row["tuned_pool"] == "small")

        let hash = try #require(row["content_hash"])
        #expect(try await dags.definition(dagId: "stored", hash: hash) == dag)

        // Storing the same DAG again is no new version.
        try await dags.upsert(dag)
        let versions = try await schema.pool.query("SELECT count(*) AS n FROM dag_versions").rows.first
        #expect(versions?.int("n") == 1)
        await schema.drop()
    }

    /// Versions stored before the stored form existed hold every field; they still read back.
    @Test func aVersionStoredInTheCanonicalFormStillReads() async throws {
        let schema = try await IsolatedSchema.create()
        let dags = DagStore(pool: schema.pool)
        let dag = DAG(dagId: "old", tasks: [TaskSpec(taskId: "t", kind: .bash("true"))], fileloc: "old.yaml")
        try await dags.upsert(dag)
        try await schema.pool.query("UPDATE dag_versions SET definition = $1::jsonb", [dag.serializedJSON()])
        let hash = try #require(try await dags.list().first?.contentHash)
        #expect(try await dags.definition(dagId: "old", hash: hash) == dag)
        await schema.drop()
    }
}

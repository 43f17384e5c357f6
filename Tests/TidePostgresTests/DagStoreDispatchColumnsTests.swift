import Testing
import TideCore
import TideTestSupport

@testable import TidePostgres

private func limitedDAG(maxActiveTasks: Int, limitOfB: Int?, schedule: Schedule = .manual) -> DAG {
    DAG(
        dagId: "limited",
        tasks: [
            TaskSpec(taskId: "a", kind: .bash("true"), maxActiveTisPerDag: 2),
            TaskSpec(taskId: "b", upstream: ["a"], kind: .bash("true"), maxActiveTisPerDag: limitOfB),
            TaskSpec(taskId: "c", upstream: ["a"], kind: .bash("true")),
        ], fileloc: "limited.yaml", schedule: schedule, startDate: "2026-01-01", maxActiveTasks: maxActiveTasks)
}

private struct DispatchColumns: Equatable {
    var maxActiveTasks: Int
    var taskLimits: String
    var hasSchedule: Bool
}

private func columns(_ pool: PGPool) async throws -> DispatchColumns? {
    let row = try await pool.query(
        "SELECT max_active_tasks, task_limits::text AS task_limits, has_schedule FROM dags WHERE dag_id = 'limited'"
    ).rows.first
    return row.map {
        DispatchColumns(
            maxActiveTasks: $0.int("max_active_tasks") ?? -1, taskLimits: $0["task_limits"] ?? "",
            hasSchedule: $0.bool("has_schedule") ?? false)
    }
}

@Suite("DAG store: what dispatch and run creation read beside each DAG")
struct DagStoreDispatchColumnsTests {
    @Test func eachStoredVersionSetsTheLimitsAndScheduleFlag() async throws {
        let schema = try await IsolatedSchema.create()
        let dags = DagStore(pool: schema.pool)
        try await dags.upsert(limitedDAG(maxActiveTasks: 3, limitOfB: 5))
        #expect(
            try await columns(schema.pool)
                == DispatchColumns(maxActiveTasks: 3, taskLimits: #"{"a": 2, "b": 5}"#, hasSchedule: false))
        #expect(try await dags.scheduledVersions().isEmpty)

        let daily = try Schedule.parse("@daily")
        try await dags.upsert(limitedDAG(maxActiveTasks: 7, limitOfB: nil, schedule: daily))
        #expect(
            try await columns(schema.pool)
                == DispatchColumns(maxActiveTasks: 7, taskLimits: #"{"a": 2}"#, hasSchedule: true))
        let current = try #require(try await dags.list().first?.contentHash)
        #expect(try await dags.scheduledVersions().map(\.hash) == [current])
        try await dags.setPaused("limited", true)
        #expect(try await dags.scheduledVersions().isEmpty, "a paused DAG creates no runs")
        await schema.drop()
    }

    @Test func manyDAGsAreStoredInOneGoWithTheirTagsSourcesAndVersions() async throws {
        let schema = try await IsolatedSchema.create()
        let dags = DagStore(pool: schema.pool)
        func dag(_ id: String, description: String, tags: [String]) -> DAG {
            DAG(
                dagId: id, description: description, tags: tags, tasks: [TaskSpec(taskId: "t", kind: .bash("true"))],
                fileloc: "\(id).yaml")
        }
        let batch = [
            dag("plain", description: "", tags: []),
            dag("quoted", description: #"say "hi", {ok} \ back"#, tags: [#"a "b""#, "c,d", #"e\f"#, "{g}"]),
            dag("third", description: "Nightly Sales", tags: ["finance"]),
        ]
        try await dags.upsert(batch.map { ($0, $0.dagId == "plain" ? nil : "text of \($0.dagId)") })
        let listed = try await dags.list()
        #expect(listed.map(\.dagId) == ["plain", "quoted", "third"])
        #expect(listed[1].description == #"say "hi", {ok} \ back"#)
        #expect(listed[1].tags == [#"a "b""#, "c,d", #"e\f"#, "{g}"])
        #expect(listed[0].tags.isEmpty)
        for (record, original) in zip(listed, batch) {
            #expect(try await dags.definition(dagId: record.dagId, hash: record.contentHash) == original)
        }
        #expect(try await dags.source(dagId: "quoted", hash: listed[1].contentHash) == "text of quoted")
        #expect(try await dags.source(dagId: "plain", hash: listed[0].contentHash) == nil)
        let searched = try await schema.pool.query("SELECT dag_id FROM dags WHERE search_text LIKE '%sales finance%'")
        #expect(searched.rows.map { $0["dag_id"] } == ["third"])
        // The same batch again adds no version; a changed DAG adds one.
        var changed = batch
        changed[2].description = "v2"
        try await dags.upsert(changed.map { ($0, nil) })
        let versions = try await schema.pool.query("SELECT dag_id FROM dag_versions ORDER BY dag_id").rows
        #expect(versions.compactMap { $0["dag_id"] } == ["plain", "quoted", "third", "third"])
        #expect(try await dags.list().last?.description == "v2")
        await schema.drop()
    }

    @Test func theMigrationFillsTheColumnsFromTheStoredDefinitions() async throws {
        // A database as release 8 left it: DAGs stored before the columns existed.
        let schema = try await IsolatedSchema.create(migrations: Array(Migration.all.prefix(8)))
        let dag = limitedDAG(maxActiveTasks: 4, limitOfB: 6, schedule: try Schedule.parse("0 3 * * *"))
        try await schema.pool.query(
            """
            INSERT INTO dag_versions (dag_id, content_hash, definition) VALUES ('limited', 'h1', $1::jsonb);
            """, [dag.serializedJSON()])
        try await schema.pool.query(
            "INSERT INTO dags (dag_id, fileloc, current_hash, task_count) VALUES ('limited', 'limited.yaml', 'h1', 3)")
        try await schema.pool.withConnection { connection in
            _ = try await Migrator().migrate(connection, schema: schema.name)
        }
        #expect(
            try await columns(schema.pool)
                == DispatchColumns(maxActiveTasks: 4, taskLimits: #"{"a": 2, "b": 6}"#, hasSchedule: true))
        await schema.drop()
    }

    @Test func concurrentAsksForOneVersionShareOneRead() async throws {
        let reads = LockedBox(0)
        let asked = LockedBox(0)
        let released = LockedBox(false)
        let cache = DagVersionCache(capacity: 4) { _, _ in
            reads.mutate { $0 += 1 }
            try await Eventually.that("the test to release the read") { released.value }
            return limitedDAG(maxActiveTasks: 9, limitOfB: nil)
        }
        let askers = (0..<20).map { _ in
            Task {
                asked.mutate { $0 += 1 }
                return try await cache.compiled(dagId: "limited", hash: "h").dag.maxActiveTasks
            }
        }
        try await Eventually.that("every asker to wait for the read") { asked.value == 20 && reads.value >= 1 }
        released.mutate { $0 = true }
        for asker in askers { #expect(try await asker.value == 9) }
        #expect(reads.value == 1)
        #expect(try await cache.dag(dagId: "limited", hash: "h").maxActiveTasks == 9, "kept")
        #expect(reads.value == 1)
    }

    @Test func aFailedReadIsNotKeptAndIsTriedAgain() async throws {
        let reads = LockedBox(0)
        let cache = DagVersionCache(capacity: 4) { _, _ in
            let attempt = reads.mutate { count -> Int in
                count += 1
                return count
            }
            guard attempt > 1 else { throw PGError(code: .connectionLost, message: "away") }
            return limitedDAG(maxActiveTasks: 3, limitOfB: nil)
        }
        await #expect(throws: PGError.self) { _ = try await cache.compiled(dagId: "limited", hash: "h") }
        #expect(try await cache.dag(dagId: "limited", hash: "h").maxActiveTasks == 3)
        #expect(reads.value == 2)
    }

    @Test func theVersionCacheKeepsOnlyTheMostRecentlyUsedVersions() async throws {
        let schema = try await IsolatedSchema.create()
        let dags = DagStore(pool: schema.pool)
        var hashes: [String] = []
        for limit in 1...5 {
            try await dags.upsert(limitedDAG(maxActiveTasks: limit, limitOfB: nil))
            hashes.append(try #require(try await dags.list().first?.contentHash))
        }
        let cache = DagVersionCache(store: dags, capacity: 4)
        for hash in hashes.prefix(4) { _ = try await cache.compiled(dagId: "limited", hash: hash) }
        #expect(cache.count == 4)
        // The first is used again, so the second is the least recently used one.
        #expect(try await cache.dag(dagId: "limited", hash: hashes[0]).maxActiveTasks == 1)
        #expect(try await cache.dag(dagId: "limited", hash: hashes[4]).maxActiveTasks == 5)
        #expect(cache.count <= 4)
        // With the database emptied, kept versions are still served and the dropped one is not.
        try await schema.pool.query("DELETE FROM dags")
        try await schema.pool.query("DELETE FROM dag_versions")
        for kept in [0, 2, 3, 4] {
            #expect(try await cache.dag(dagId: "limited", hash: hashes[kept]).maxActiveTasks == kept + 1)
        }
        await #expect(throws: PGError.self, "the second version was dropped: reading it needs the database") {
            _ = try await cache.compiled(dagId: "limited", hash: hashes[1])
        }
        await schema.drop()
    }
}

import Testing
import TideCore
import TideTestSupport

@testable import TidePostgres

/// How PostgreSQL finds the rows of the worker's batch statements in a busy run: by their primary
/// key, not by scanning a partial index on the state, which until a vacuum also holds an entry for
/// every row that has left the state (in the bench, the claim of ten tries visited 2,000 such
/// entries and the rows behind them).
@Suite("Batch statements find their rows by id")
struct BatchPlanTests {
    /// The indexes on `task_instances` whose predicate is a state.
    private static let stateIndexes: Set<String> = [
        "task_instances_retry_due", "task_instances_queued", "task_instances_running_worker", "task_instances_ready",
        "task_instances_active", "task_instances_unfinished", "task_instances_reschedule_due",
    ]

    @Test func claimAndFinishOfABatchUseThePrimaryKeyAfterMuchChurn() async throws {
        let dag = DAG(
            dagId: "wide", tasks: (0..<1000).map { TaskSpec(taskId: "t\($0)", kind: .bash("true")) },
            fileloc: "wide.yaml")
        let fixture = try await Fixture.make(dag)
        try await fixture.schema.pool.query("ALTER TABLE task_instances SET (autovacuum_enabled = false)")
        let ids = fixture.ids.values.sorted()
        _ = try await fixture.tasks.queue(ids)
        let tries = ids.map { TaskInstanceStore.TryRef(taskInstanceId: $0, tryNumber: 1) }
        // 980 leave `queued` for `running`, and 970 of them leave `running` for `success`.
        _ = try await fixture.tasks.claim(Array(tries[..<980]), workerId: "w", hostname: "h", pid: 1)
        _ = try await fixture.tasks.finish(tries[..<970].map(Self.success))

        let claimIndexes = try await indexes(
            in: TaskInstanceStore.claimSQL,
            TaskInstanceStore.claimParameters(Array(tries[990...]), workerId: "w", hostname: "h", pid: 1),
            fixture)
        #expect(claimIndexes.contains("task_instances_pkey"), "claim plan's indexes: \(claimIndexes)")
        #expect(claimIndexes.isDisjoint(with: Self.stateIndexes), "claim plan's indexes: \(claimIndexes)")

        let finishIndexes = try await indexes(
            in: TaskInstanceStore.finishSQL,
            TaskInstanceStore.finishParameters(tries[970..<980].map(Self.success), appendingLog: false), fixture)
        #expect(finishIndexes.contains("task_instances_pkey"), "finish plan's indexes: \(finishIndexes)")
        #expect(finishIndexes.isDisjoint(with: Self.stateIndexes), "finish plan's indexes: \(finishIndexes)")
        await fixture.schema.drop()
    }

    private static func success(_ ref: TaskInstanceStore.TryRef) -> TaskInstanceStore.TryResult {
        TaskInstanceStore.TryResult(
            taskInstanceId: ref.taskInstanceId, tryNumber: ref.tryNumber, workerId: "w", outcome: .success,
            decision: .decide(outcome: .success, tryNumber: 1, maxTries: 1, delaySeconds: 0), exitCode: 0, log: "")
    }

    /// The names of the indexes PostgreSQL's plan for `sql` reads.
    private func indexes(in sql: String, _ parameters: [String?], _ fixture: Fixture) async throws -> Set<String> {
        let plan = try #require(
            try await fixture.schema.pool.query("EXPLAIN (FORMAT JSON) " + sql, parameters).rows.first?["QUERY PLAN"])
        var names: Set<String> = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let fields):
                if case .string(let name)? = fields["Index Name"] { names.insert(name) }
                fields.values.forEach(collect)
            case .array(let items):
                items.forEach(collect)
            default:
                break
            }
        }
        collect(try JSONValue.decode(Array(plan.utf8)))
        return names
    }
}

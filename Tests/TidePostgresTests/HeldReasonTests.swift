import Testing
import TideCore
import TideTestSupport

@testable import TidePostgres

/// Dispatch records the limit that holds each ready try back (the run's Gantt chart shows it).
@Suite("Held reasons")
struct HeldReasonTests {
    @Test func eachHeldTryKeepsTheLimitThatHoldsItAndAChangedOneIsWrittenAgain() async throws {
        let dag = DAG(
            dagId: "three", tasks: ["a", "b", "c"].map { TaskSpec(taskId: $0, kind: .bash("true")) },
            fileloc: "three.yaml")
        let fixture = try await Fixture.make(dag)
        let ids = try ["a", "b", "c"].map { try #require(fixture.ids[$0]) }
        func heldReasons() async throws -> [String?] {
            let rows = try await fixture.schema.pool.query(
                "SELECT id, held_reason FROM task_instances WHERE id = ANY($1::bigint[])", [PGArray.literal(ids)]
            ).rows
            let byId = Dictionary(uniqueKeysWithValues: rows.compactMap { row in row.int64("id").map { ($0, row) } })
            return ids.map { byId[$0]?["held_reason"] }
        }
        let limits = TaskInstanceStore.DispatchLimits(parallelism: 1)

        let first = try await fixture.tasks.dispatch(ready: ids, limits: limits)
        #expect(first.queued.map(\.message.taskInstanceId) == [ids[0]])
        try await fixture.tasks.schedule(first.held)
        #expect(try await heldReasons() == [nil, "parallelism", "parallelism"])

        // Held again by the same limit: nothing changes; a reason that is no longer stored is written again.
        try await fixture.schema.pool.query(
            "UPDATE task_instances SET held_reason = NULL WHERE id = $1", [String(ids[2])])
        let second = try await fixture.tasks.dispatch(limits: limits)
        #expect(second.queued.isEmpty)
        #expect(second.waiting.values.reduce(0, +) == 2)
        #expect(try await heldReasons() == [nil, "parallelism", "parallelism"])
        await fixture.schema.drop()
    }
}

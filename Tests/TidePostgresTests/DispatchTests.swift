import Foundation
import Testing
import TideCore
import TideTestSupport

@testable import TidePostgres

/// Dispatch queues a newly ready task instance that fits in one step, schedules the others with
/// what holds them, and keeps the order of priority, then age, across both kinds of candidates.
@Suite("Dispatch of ready task instances")
struct DispatchTests {
    /// A DAG of independent `true` tasks.
    static func independent(_ taskIds: [String], priority: [String: Int] = [:]) -> DAG {
        DAG(
            dagId: "wide",
            tasks: taskIds.map { TaskSpec(taskId: $0, priorityWeight: priority[$0] ?? 1, kind: .bash("true")) },
            fileloc: "wide.yaml")
    }

    /// Per task: its state, held reason, and the states its state events recorded after the run began.
    struct Row: Equatable {
        var state: String
        var heldReason: String?
        var events: [String]
    }

    static func rows(_ fixture: Fixture) async throws -> [String: Row] {
        let rows = try await fixture.schema.pool.query(
            """
            SELECT ti.task_id, ti.state, ti.held_reason,
                   coalesce((SELECT array_to_string(array_agg(e.state ORDER BY e.id), ',') FROM state_events e
                             WHERE e.kind = 'task_instance' AND e.run_id = ti.run_id AND e.task_id = ti.task_id
                               AND e.state <> 'none'), '') AS events
            FROM task_instances ti WHERE ti.run_id = $1
            """, [String(fixture.run.id)]
        ).rows
        return Dictionary(
            uniqueKeysWithValues: rows.compactMap { row in
                guard let taskId = row["task_id"], let state = row["state"] else { return nil }
                let events = (row["events"] ?? "").split(separator: ",").map(String.init)
                return (taskId, Row(state: state, heldReason: row["held_reason"], events: events))
            })
    }

    @Test func aReadyTryThatFitsIsQueuedInOneStepAndOneThatDoesNotIsScheduledWithItsReason() async throws {
        let fixture = try await Fixture.make(Self.independent(["a", "b", "c"]))
        let ids = try ["a", "b", "c"].map { try #require(fixture.ids[$0]) }

        let dispatch = try await fixture.tasks.dispatch(ready: ids, limits: .init(parallelism: 2))

        #expect(dispatch.queued.map(\.message.taskInstanceId) == [ids[0], ids[1]])
        #expect(dispatch.queued.map(\.message.tryNumber) == [1, 1])
        #expect(dispatch.waiting == [.init(queue: "default", reason: .parallelism): 1])
        #expect(dispatch.held == .init(ids: [ids[2]], reasons: [.parallelism]))
        // The queued ones are committed before the held one is marked (it holds no slot meanwhile).
        #expect(try await Self.rows(fixture)["c"] == Row(state: "none", heldReason: nil, events: []))
        try await fixture.tasks.schedule(dispatch.held)
        let rows = try await Self.rows(fixture)
        #expect(rows["a"] == Row(state: "queued", heldReason: nil, events: ["queued"]))
        #expect(rows["b"] == Row(state: "queued", heldReason: nil, events: ["queued"]))
        #expect(rows["c"] == Row(state: "scheduled", heldReason: "parallelism", events: ["scheduled"]))
        let times = try #require(
            try await fixture.schema.pool.query(
                "SELECT scheduled_at <= queued_at AS ordered FROM task_instances WHERE id = $1", [String(ids[0])]
            ).rows.first)
        #expect(times["ordered"] == "t", "a queued task instance has been scheduled, no later than it was queued")
        await fixture.schema.drop()
    }

    @Test func aRetryIsScheduledAfreshWithoutItsPreviousTrysTimeOrHeldReason() async throws {
        let fixture = try await Fixture.make(Self.independent(["a"]))
        let id = try #require(fixture.ids["a"])
        try await fixture.schema.pool.query(
            """
            UPDATE task_instances SET state = 'up_for_retry', try_number = 1, held_reason = 'pool_full',
                scheduled_at = clock_timestamp() - interval '1 hour', next_retry_at = clock_timestamp()
            WHERE id = $1
            """, [String(id)])

        let dispatch = try await fixture.tasks.dispatch(ready: [id], limits: .init(parallelism: 4))

        #expect(dispatch.queued.map(\.message.tryNumber) == [2])
        let row = try #require(
            try await fixture.schema.pool.query(
                """
                SELECT state, held_reason, next_retry_at IS NULL AS no_retry_time,
                       scheduled_at > clock_timestamp() - interval '1 minute' AS scheduled_now
                FROM task_instances WHERE id = $1
                """, [String(id)]
            ).rows.first)
        #expect(row["state"] == "queued")
        #expect(row["held_reason"] == nil)
        #expect(row["no_retry_time"] == "t")
        #expect(row["scheduled_now"] == "t", "the second try's scheduled time is not the first try's")
        await fixture.schema.drop()
    }

    @Test func pastTheCandidateLimitNewlyReadyOnesAreScheduledAndWaitBehindOlderOnesOfEqualPriority() async throws {
        let limit = TaskInstanceStore.candidateLimit(parallelism: 1)
        let names = (0..<(limit + 12)).map { String(format: "t%03d", $0) }
        let fixture = try await Fixture.make(Self.independent(names + ["urgent"], priority: ["urgent": 10]))
        let ids = try names.map { try #require(fixture.ids[$0]) }
        let older = Array(ids.prefix(5))
        let urgent = try #require(fixture.ids["urgent"])

        // The first five wait with nothing allowed to run.
        let first = try await fixture.tasks.dispatch(ready: older, limits: .init(parallelism: 0))
        #expect(first.queued.isEmpty)
        try await fixture.tasks.schedule(first.held)
        // The rest and `urgent` become ready: `urgent` outranks the older five, which outrank the new ones.
        let second = try await fixture.tasks.dispatch(
            ready: Array(ids.dropFirst(5)) + [urgent], limits: .init(parallelism: 1))
        #expect(second.queued.map(\.message.taskInstanceId) == [urgent])
        #expect(second.waiting.values.reduce(0, +) == limit - 1, "the candidates considered, less the one queued")
        try await fixture.tasks.schedule(second.held)

        let rows = try await Self.rows(fixture)
        let considered = names.prefix(limit - 1)
        let deferred = names.dropFirst(limit - 1)
        #expect(considered.allSatisfy { rows[$0]?.state == "scheduled" && rows[$0]?.heldReason == "parallelism" })
        #expect(deferred.count == 13)
        #expect(
            deferred.allSatisfy { rows[$0] == Row(state: "scheduled", heldReason: nil, events: ["scheduled"]) },
            "past the limit: scheduled, not considered, so held by nothing yet")

        // With room for one more, one of the older five goes first.
        let third = try await fixture.tasks.dispatch(limits: .init(parallelism: 2))
        #expect(third.queued.count == 1)
        #expect(third.queued.allSatisfy { older.contains($0.message.taskInstanceId) })
        await fixture.schema.drop()
    }

    @Test func aReadyIdWhoseTaskInstanceIsNoLongerWaitingIsLeftAlone() async throws {
        let fixture = try await Fixture.make(Self.independent(["a", "b"]))
        let a = try #require(fixture.ids["a"])
        let b = try #require(fixture.ids["b"])
        _ = try await fixture.tasks.queue([a])
        try await fixture.schema.pool.query("UPDATE task_instances SET state = 'success' WHERE id = $1", [String(b)])

        let dispatch = try await fixture.tasks.dispatch(ready: [a, b], limits: .init(parallelism: 4))

        #expect(dispatch.queued.isEmpty)
        #expect(dispatch.waiting.isEmpty)
        #expect(dispatch.held.isEmpty)
        let rows = try await Self.rows(fixture)
        #expect(rows["a"]?.state == "queued")
        #expect(rows["a"]?.events == ["queued"], "queued once, by the first call, try 1")
        #expect(rows["b"]?.state == "success")
        await fixture.schema.drop()
    }

    @Test func aHeldTaskInstanceThatMovedOnBeforeItIsMarkedIsLeftAlone() async throws {
        let fixture = try await Fixture.make(Self.independent(["a", "b", "c"]))
        let ids = try ["a", "b", "c"].map { try #require(fixture.ids[$0]) }
        let dispatch = try await fixture.tasks.dispatch(ready: ids, limits: .init(parallelism: 1))
        #expect(Set(dispatch.held.ids) == [ids[1], ids[2]])
        // An operator marks `b` before the scheduler marks the held ones.
        try await fixture.schema.pool.query(
            "UPDATE task_instances SET state = 'success' WHERE id = $1", [String(ids[1])])

        try await fixture.tasks.schedule(dispatch.held)

        let rows = try await Self.rows(fixture)
        #expect(rows["b"] == Row(state: "success", heldReason: nil, events: ["success"]))
        #expect(rows["c"] == Row(state: "scheduled", heldReason: "parallelism", events: ["scheduled"]))
        await fixture.schema.drop()
    }
}

import Foundation
import Logging
import Testing
import TideCore
import TidePostgres
import TideTestSupport

@testable import TideScheduler

@Suite("Scheduled run creation")
struct ScheduledRunCreatorTests {
    private func daily(startDate: String) throws -> DAG {
        DAG(
            dagId: "daily", tasks: [TaskSpec(taskId: "t", kind: .bash("true"))], fileloc: "daily.yaml",
            schedule: try Schedule.parse("@daily"), startDate: startDate, catchup: false)
    }

    @Test func aDAGNotDueIsLookedAtAgainWhenItsDefinitionChanges() async throws {
        let schema = try await IsolatedSchema.create()
        let dags = DagStore(pool: schema.pool)
        let runs = RunStore(pool: schema.pool)
        let creator = ScheduledRunCreator(
            dags: dags, runs: runs, definitions: DagVersionCache(store: dags), settings: SchedulerSettings(),
            defaultTimeZone: "UTC", logger: Logger(label: "test"))
        let now = Date()
        try await dags.upsert(try daily(startDate: "2099-01-01"))
        let early = try await creator.createDueRuns(now: now)
        #expect(early.created.isEmpty)
        let due = try #require(early.nextDue)
        #expect(due > now.addingTimeInterval(365 * 86_400), "the first interval ends after its 2099 start")
        // Remembered: the next pass reports the same time without creating anything.
        let again = try await creator.createDueRuns(now: now)
        #expect(again.created.isEmpty)
        #expect(again.nextDue == due)

        // A new version starting in the past has a due interval at once.
        try await dags.upsert(try daily(startDate: "2026-01-01"))
        let changed = try await creator.createDueRuns(now: now)
        #expect(changed.created.map(\.dagId) == ["daily"])
        let next = try #require(changed.nextDue)
        #expect(next > now && next <= now.addingTimeInterval(86_400))

        // Paused, it is forgotten and creates nothing; unpaused, it is looked at again.
        try await dags.setPaused("daily", true)
        #expect(try await creator.createDueRuns(now: now.addingTimeInterval(2 * 86_400)).created.isEmpty)
        try await dags.setPaused("daily", false)
        let resumed = try await creator.createDueRuns(now: now.addingTimeInterval(2 * 86_400))
        #expect(resumed.created.count == 1, "catchup is off: only the latest interval")
        await schema.drop()
    }
}

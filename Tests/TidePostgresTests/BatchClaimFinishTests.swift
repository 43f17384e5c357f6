import Testing
import TideCore
import TideTestSupport

@testable import TidePostgres

private let fourTasks = DAG(
    dagId: "four",
    tasks: ["a", "b", "c", "d"].map { TaskSpec(taskId: $0, retries: 1, retryDelaySeconds: 60, kind: .bash("true")) },
    fileloc: "four.yaml")

/// The worker's hot path: many tries claimed in one statement, many results recorded in one.
@Suite("Batch claim and grouped finish")
struct BatchClaimFinishTests {
    @Test func aBatchClaimTakesEachQueuedTryOnceAndDropsDuplicatesAndStaleTries() async throws {
        let fixture = try await Fixture.make(fourTasks)
        let ids = try ["a", "b", "c"].map { try #require(fixture.ids[$0]) }
        _ = try await fixture.tasks.queue(ids)
        let refs = ids.map { TaskInstanceStore.TryRef(taskInstanceId: $0, tryNumber: 1) }
        let stale = TaskInstanceStore.TryRef(taskInstanceId: ids[2], tryNumber: 2)
        let neverQueued = TaskInstanceStore.TryRef(taskInstanceId: try #require(fixture.ids["d"]), tryNumber: 1)
        // a twice in one batch, c with a try number it does not have, d not queued at all.
        let claimed = try await fixture.tasks.claim(
            [refs[0], refs[1], refs[0], stale, neverQueued], workerId: "w", hostname: "h", pid: 7)
        #expect(Set(claimed.keys) == [refs[0], refs[1]])
        #expect(claimed[refs[0]]?.taskId == "a" && claimed[refs[1]]?.taskId == "b")
        #expect(claimed[refs[0]]?.maxTries == 2 && claimed[refs[0]]?.storedRetryDelaySeconds == 60)
        // A second claim of the same tries (a redelivered message) gets nothing.
        #expect(
            try await fixture.tasks.claim(refs, workerId: "w2", hostname: "h", pid: 8).keys.map(\.self) == [refs[2]])
        let instances = Dictionary(
            uniqueKeysWithValues: try await fixture.tasks.forRun(fixture.run.id).map { ($0.taskId, $0) })
        #expect(instances["a"]?.state == .running && instances["a"]?.workerId == "w")
        #expect(instances["b"]?.workerId == "w")
        #expect(instances["c"]?.state == .running && instances["c"]?.workerId == "w2")
        #expect(instances["d"]?.state == TaskState.none)
        await fixture.schema.drop()
    }

    @Test func aGroupedFinishRecordsEveryFreshTryAndOnlyTheLogOfAStaleOne() async throws {
        let fixture = try await Fixture.make(fourTasks)
        let ids = try ["a", "b", "c"].map { try #require(fixture.ids[$0]) }
        _ = try await fixture.tasks.queue(ids)
        _ = try await fixture.tasks.claim(
            ids.map { TaskInstanceStore.TryRef(taskInstanceId: $0, tryNumber: 1) }, workerId: "w", hostname: "h", pid: 1
        )
        // c was cleared while it ran: its try is no longer this worker's.
        _ = try await fixture.tasks.clear(runId: fixture.run.id, retries: ["c": 1], stopGraceSeconds: 0)
        func result(_ id: Int64, _ outcome: TryOutcome, _ log: String) -> TaskInstanceStore.TryResult {
            TaskInstanceStore.TryResult(
                taskInstanceId: id, tryNumber: 1, workerId: "w", outcome: outcome,
                decision: .decide(outcome: outcome, tryNumber: 1, maxTries: 2, delaySeconds: 45), exitCode: 0,
                log: log)
        }
        let finished = try await fixture.tasks.finish([
            result(ids[0], .success, "a ran\n"), result(ids[1], .failed, "b failed\n"),
            result(ids[2], .success, "c late\n"),
        ])
        #expect(finished.map { $0?.state } == [.success, .upForRetry, nil])
        #expect(finished.compactMap { $0?.runId }.allSatisfy { $0 == fixture.run.id })
        let instances = Dictionary(
            uniqueKeysWithValues: try await fixture.tasks.forRun(fixture.run.id).map { ($0.taskId, $0) })
        #expect(instances["a"]?.state == .success)
        #expect(instances["b"]?.state == .upForRetry)
        #expect(instances["c"]?.state == .upForRetry)
        let wait = try #require(
            try await fixture.schema.pool.query(
                "SELECT extract(epoch FROM next_retry_at - ended_at) AS s FROM task_instances WHERE id = $1",
                [String(ids[1])]
            ).rows.first?.double("s"))
        #expect(abs(wait - 45) < 1)
        let logs = try await ["a", "b", "c"].asyncMap {
            try await fixture.tasks.logs(runId: fixture.run.id, taskId: $0)
        }
        #expect(logs.map { $0.map(\.content) } == [["a ran\n"], ["b failed\n"], ["c late\n"]])
        #expect(logs.map { $0.map(\.state) } == [["success"], ["failed"], ["success (stale)"]])
        await fixture.schema.drop()
    }

    @Test func theSameTryTwiceInOneFinishIsRecordedOnce() async throws {
        let fixture = try await Fixture.make(fourTasks)
        let a = try #require(fixture.ids["a"])
        _ = try await fixture.tasks.queue([a])
        _ = try await fixture.tasks.claim(taskInstanceId: a, tryNumber: 1, workerId: "w", hostname: "h", pid: 1)
        let twice = TaskInstanceStore.TryResult(
            taskInstanceId: a, tryNumber: 1, workerId: "w", outcome: .success, decision: .finish(.success), log: "x\n")
        let finished = try await fixture.tasks.finish([twice, twice])
        #expect(finished.map { $0?.state } == [.success, nil])
        await fixture.schema.drop()
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}

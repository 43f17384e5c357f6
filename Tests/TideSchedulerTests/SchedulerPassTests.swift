import Foundation
import Logging
import Testing
import TideCore
import TidePostgres
import TideRedis
import TideTestSupport

@testable import TideScheduler

/// Scheduling passes driven by hand, in-process, against real PostgreSQL and Redis: events in,
/// task-instance states out.
@Suite("Scheduler pass: the wide-join watch")
struct SchedulerPassTests {
    private static let leaves = (0..<20).map { "leaf_\($0)" }

    private struct Setup {
        let schema: IsolatedSchema
        let prefix: KeyPrefix
        let push: RedisConnection
        let scheduler: SchedulerService
        let run: RunRecord

        func finish(_ tasks: [String], as state: TaskState = .success) async throws {
            try await schema.pool.query(
                "UPDATE task_instances SET state = $3 WHERE run_id = $1 AND task_id = ANY($2::text[])",
                [String(run.id), PGArray.literal(tasks), state.rawValue])
        }

        func event(_ task: String, _ state: TaskState = .success) -> TaskEvent {
            TaskEvent(kind: .taskFinished, runId: run.id, taskId: task, state: state)
        }

        func state(_ task: String) async throws -> TaskState? {
            try await TaskInstanceStore(pool: schema.pool).forRun(run.id).first { $0.taskId == task }?.state
        }

        func close() async {
            push.close()
            await prefix.cleanup()
            await schema.drop()
        }
    }

    /// A run of twenty leaves into `join`, started by a pass: every leaf is queued and the join,
    /// evaluated with them, watches one of them.
    private func started() async throws -> Setup {
        let schema = try await IsolatedSchema.create()
        let prefix = try KeyPrefix()
        let dag = DAG(
            dagId: "wide",
            tasks: Self.leaves.map { TaskSpec(taskId: $0, kind: .bash("true")) } + [
                TaskSpec(taskId: "join", upstream: Self.leaves, kind: .bash("true"))
            ])
        try await DagStore(pool: schema.pool).upsert(dag)
        let run = try await RunStore(pool: schema.pool).trigger(dagId: "wide")
        var settings = SchedulerSettings()
        settings.parallelism = 64
        let scheduler = SchedulerService(
            settings: settings,
            dependencies: .init(
                pool: schema.pool, redis: prefix.endpoint, keys: prefix.keys, dagsFolder: NSTemporaryDirectory()),
            logger: Logger(label: "test"))
        let push = try await prefix.connect()
        _ = try await scheduler.pass(
            events: [TaskEvent(kind: .runCreated, runId: run.id)], full: false, push: push)
        return Setup(schema: schema, prefix: prefix, push: push, scheduler: scheduler, run: run)
    }

    @Test func aLeafFinishingWhileTheWatchedOneRunsLeavesTheJoinWaiting() async throws {
        let setup = try await started()
        #expect(try await setup.state("leaf_0") == .queued)
        // The join watches the last leaf (all equally far from finishing, the last dispatched last).
        #expect(
            setup.scheduler.joinWatch.watchedUpstream(
                run: setup.run.id, child: "join", finished: "leaf_3", state: .success,
                dag: CompiledDAG(try await DagStore(pool: setup.schema.pool).current("wide"))) == "leaf_19")
        // Every leaf but the last finished: the join waits for it.
        try await setup.finish(Array(Self.leaves.dropLast()))
        _ = try await setup.scheduler.pass(events: [setup.event("leaf_3")], full: false, push: setup.push)
        #expect(try await setup.state("join") == TaskState.none)
        // The last one's own event starts the join.
        try await setup.finish(["leaf_19"])
        _ = try await setup.scheduler.pass(events: [setup.event("leaf_19")], full: false, push: setup.push)
        #expect(try await setup.state("join") == .queued)
        await setup.close()
    }

    /// The watched leaf finished, but its event went elsewhere (another scheduler, or lost): the
    /// next leaf's event still finds the join ready.
    @Test func theJoinStartsOnAnyEventOnceItsWatchedTaskHasFinished() async throws {
        let setup = try await started()
        try await setup.finish(Self.leaves)
        _ = try await setup.scheduler.pass(events: [setup.event("leaf_3")], full: false, push: setup.push)
        #expect(try await setup.state("join") == .queued)
        await setup.close()
    }

    /// A failure decides all_success at once, whatever the watch.
    @Test func aFailedLeafFailsTheJoinAtOnce() async throws {
        let setup = try await started()
        try await setup.finish(["leaf_4"], as: .failed)
        _ = try await setup.scheduler.pass(events: [setup.event("leaf_4", .failed)], full: false, push: setup.push)
        #expect(try await setup.state("join") == .upstreamFailed)
        await setup.close()
    }
}

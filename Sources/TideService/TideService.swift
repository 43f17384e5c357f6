import Foundation
import TideCore
import TidePostgres
import TideRedis

/// What operators and their tools can see and do, for the REST API, the web UI and the CLI alike:
/// reads go to the PostgreSQL stores, and every change wakes the scheduler so it acts at once.
public struct TideService: Sendable {
    public let dags: DagStore
    public let runs: RunStore
    public let taskInstances: TaskInstanceStore
    public let pools: PoolStore
    /// Results tries published (XCom).
    public let xcoms: XComStore
    public let datasets: DatasetStore
    public let workers: WorkerStore
    public let tokens: APITokenStore
    public let database: PGPool
    let versions: DagVersionCache
    let nudger: SchedulerNudger
    /// Reads of the queues (depths, positions).
    let redis: RedisLink
    let queues: TaskQueue
    /// Seconds a running try gets to stop after it is cleared (its worker notices within a heartbeat).
    let stopGraceSeconds: Double
    public let limits: Limits

    /// The installation-wide limits the scheduler enforces, for explaining why a task waits.
    public struct Limits: Sendable {
        public var parallelism: Int
        /// `max_pods` per node pool that has one.
        public var nodePoolMaxPods: [String: Int]

        public init(parallelism: Int, nodePoolMaxPods: [String: Int]) {
            self.parallelism = parallelism
            self.nodePoolMaxPods = nodePoolMaxPods
        }
    }

    /// - Parameters:
    ///   - pool: PostgreSQL connections, shared by every call.
    ///   - redis: where wake-ups for the scheduler go and queues are read.
    ///   - stopGraceSeconds: how long a cleared running try has to stop before its new try may start.
    public init(pool: PGPool, redis: RedisEndpoint, keys: RedisKeys, limits: Limits, stopGraceSeconds: Double) {
        database = pool
        dags = DagStore(pool: pool)
        runs = RunStore(pool: pool)
        taskInstances = TaskInstanceStore(pool: pool)
        pools = PoolStore(pool: pool)
        xcoms = XComStore(pool: pool)
        datasets = DatasetStore(pool: pool)
        workers = WorkerStore(pool: pool)
        tokens = APITokenStore(pool: pool)
        versions = DagVersionCache(store: dags)
        nudger = SchedulerNudger(endpoint: redis, keys: keys)
        self.redis = RedisLink(endpoint: redis, name: "api")
        queues = TaskQueue(keys: keys)
        self.limits = limits
        self.stopGraceSeconds = stopGraceSeconds
    }

    // MARK: Reads

    /// Whether PostgreSQL answers a trivial query.
    public func databaseIsReachable() async -> Bool {
        (try? await database.query("SELECT 1", context: "health check")) != nil
    }

    /// A DAG and its current definition.
    /// - Throws: ``ServiceError`` `notFound`.
    public func dag(_ dagId: String) async throws -> (record: DagRecord, definition: DAG) {
        try await ServiceError.translating {
            let record = try await dags.record(dagId)
            return (record, try await versions.dag(dagId: dagId, hash: record.contentHash))
        }
    }

    /// The definition of one version of a DAG (a run's own version).
    public func definition(dagId: String, hash: String) async throws -> DAG {
        try await ServiceError.translating { try await versions.dag(dagId: dagId, hash: hash) }
    }

    /// A run by DAG and run id.
    /// - Throws: ``ServiceError`` `notFound`, naming the DAG when it is the DAG that is missing.
    public func run(dagId: String, runId: String) async throws -> RunRecord {
        try await ServiceError.translating {
            do {
                return try await runs.get(dagId: dagId, runId: runId)
            } catch let error as PGError where error.code == .notFound {
                _ = try await dags.record(dagId)
                throw error
            }
        }
    }

    /// A task instance of a run.
    /// - Throws: ``ServiceError`` `notFound`.
    public func taskInstance(of run: RunRecord, taskId: String, mapIndex: Int? = nil) async throws
        -> TaskInstanceRecord
    {
        do {
            return try await taskInstances.get(runId: run.id, taskId: taskId, mapIndex: mapIndex)
        } catch let error as PGError where error.code == .notFound {
            let which = mapIndex.map { " with map index \($0)" } ?? ""
            throw ServiceError(.notFound, "run '\(run.runId)' of DAG '\(run.dagId)' has no task '\(taskId)'\(which)")
        }
    }

    // MARK: Changes

    /// Triggers a manual run of a DAG's current version.
    /// - Throws: ``ServiceError`` `notFound` (no such active DAG), `conflict` (the run id exists).
    public func trigger(dagId: String, runId: String?, logicalDate: Double?, conf: String) async throws -> RunRecord {
        let run = try await ServiceError.translating {
            try await runs.trigger(dagId: dagId, conf: conf, runId: runId, logicalDate: logicalDate)
        }
        await nudger.send(TaskEvent(kind: .runCreated, runId: run.id))
        return run
    }

    /// Pauses or unpauses a DAG. Unpausing wakes the scheduler, so that runs queued while the DAG
    /// was paused start at once rather than at its next full pass.
    public func setPaused(_ dagId: String, _ paused: Bool) async throws -> DagRecord {
        let record = try await ServiceError.translating {
            try await dags.setPaused(dagId, paused)
            return try await dags.record(dagId)
        }
        if !paused { await nudger.send(TaskEvent(kind: .runCreated, runId: 0)) }
        return record
    }

    /// Marks a run `success`, `failed` or `queued` (see ``RunStore/mark(_:as:)``).
    public func markRun(_ run: RunRecord, as state: DagRunState) async throws -> RunRecord {
        guard state != .running else { throw ServiceError(.invalid, "a run can be marked success, failed or queued") }
        let marked = try await ServiceError.translating { try await runs.mark(run.id, as: state) }
        await nudger.send(TaskEvent(kind: .runChanged, runId: run.id))
        return marked
    }

    /// Deletes a run, its task instances and their logs.
    public func deleteRun(_ run: RunRecord) async throws {
        guard try await runs.delete(run.id) else {
            throw ServiceError(.notFound, "DAG '\(run.dagId)' has no run '\(run.runId)'")
        }
    }

    /// Clears the selected task instances of a run so they run again with a new try (earlier logs
    /// are kept) and re-opens the run; with `dryRun`, only tells which would be cleared.
    /// - Returns: the task instances cleared (as they were before).
    public func clear(_ run: RunRecord, selection: TaskSelection, dryRun: Bool) async throws -> [TaskInstanceRecord] {
        let dag = try await definition(dagId: run.dagId, hash: run.dagHash)
        let wanted = try selection.taskIds(in: dag)
        let chosen = try await taskInstances.forRun(run.id).filter {
            wanted.contains($0.taskId) && selection.admits($0)
        }
        guard !dryRun, !chosen.isEmpty else { return chosen }
        let retries = Dictionary(
            chosen.map { ($0.taskId, dag.task($0.taskId)?.retries ?? 0) }, uniquingKeysWith: { first, _ in first })
        _ = try await taskInstances.clear(
            runId: run.id, retries: retries, instances: chosen.map(\.id), stopGraceSeconds: stopGraceSeconds)
        await nudger.send(TaskEvent(kind: .runChanged, runId: run.id))
        return chosen
    }

    /// Sets the selected task instances' state by hand (`success` or `failed`), stopping running
    /// ones, and re-opens the run so its outcome is decided again; with `dryRun`, only tells which.
    /// - Returns: the task instances changed, as they are now (or would be).
    public func mark(_ run: RunRecord, selection: TaskSelection, as state: TaskState, dryRun: Bool) async throws
        -> [TaskInstanceRecord]
    {
        guard state == .success || state == .failed else {
            throw ServiceError(.invalid, "a task instance can be marked success or failed, not '\(state.rawValue)'")
        }
        let dag = try await definition(dagId: run.dagId, hash: run.dagHash)
        let wanted = try selection.taskIds(in: dag)
        var chosen = try await taskInstances.forRun(run.id).filter {
            wanted.contains($0.taskId) && selection.admits($0) && $0.state != state
        }
        if !dryRun {
            for taskInstance in chosen {
                _ = try await ServiceError.translating {
                    try await taskInstances.mark(
                        runId: run.id, taskId: taskInstance.taskId, mapIndex: taskInstance.mapIndex, as: state)
                }
            }
            if !chosen.isEmpty { await nudger.send(TaskEvent(kind: .runChanged, runId: run.id)) }
        }
        for index in chosen.indices { chosen[index].state = state }
        return chosen
    }

    /// Closes the Redis connections.
    public func close() {
        nudger.close()
        redis.close()
    }
}

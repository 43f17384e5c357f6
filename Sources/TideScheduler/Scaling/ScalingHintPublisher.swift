import Foundation
import Logging
import ServiceLifecycle
import TideCore
import TideMetrics
import TidePostgres
import TideRedis
import TideScaling

/// Computes the scaling hints every `scaling.interval` and publishes them: to Redis for
/// `/api/v1/scaling` and any other scheduler (whose windows continue from it), to this process's
/// metrics, and to in-process readers such as `tide standalone`'s autoscaler.
public final class ScalingHintPublisher: Service, Sendable {
    public struct Dependencies: Sendable {
        public var pool: PGPool
        public var redis: RedisEndpoint
        public var keys: RedisKeys
        /// Ready task instances held back by a limit, per queue and limit (from the last dispatch).
        public var heldBack: @Sendable () -> [String: [String: Int]]
        public var metrics: TideMetrics?

        public init(
            pool: PGPool, redis: RedisEndpoint, keys: RedisKeys,
            heldBack: @escaping @Sendable () -> [String: [String: Int]], metrics: TideMetrics?
        ) {
            self.pool = pool
            self.redis = redis
            self.keys = keys
            self.heldBack = heldBack
            self.metrics = metrics
        }
    }

    let configuration: TideConfiguration
    let dependencies: Dependencies
    let logger: Logger
    let definitions: DagVersionCache
    private let latestReport = LockedBox<ScalingReport?>(nil)

    public init(configuration: TideConfiguration, dependencies: Dependencies, logger: Logger) {
        self.configuration = configuration
        self.dependencies = dependencies
        self.logger = logger
        definitions = DagVersionCache(store: DagStore(pool: dependencies.pool))
    }

    /// The report this process computed last.
    public var latest: ScalingReport? { latestReport.value }

    public func run() async throws {
        // Shutdown cancels the loop, which ends its sleep between computations at once.
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        var connection: RedisConnection?
        var watermark: Int64?
        var outage = OutageTracker()
        let interval = Duration.seconds(configuration.scaling.intervalSeconds)
        while !Task.isCancelled {
            let started = ContinuousClock.now
            do {
                let redis: RedisConnection
                if let connection {
                    redis = connection
                } else {
                    redis = try await RedisConnection.connect(dependencies.redis, name: "scaling")
                    connection = redis
                }
                watermark = try await computeAndPublish(on: redis, after: watermark)
                if outage.succeeded()?.announced == true { logger.notice("scaling hints computed again") }
            } catch {
                // One line per outage, not one per attempt.
                if outage.failed() {
                    logger.warning("cannot compute scaling hints; retrying", metadata: ["error": "\(error)"])
                }
                connection?.close()
                connection = nil
            }
            try? await Task.sleep(until: started + interval)
        }
        connection?.close()
    }

    /// One computation. Returns the new latency watermark.
    func computeAndPublish(on redis: RedisConnection, after watermark: Int64?) async throws -> Int64? {
        let store = ScalingReportStore(keys: dependencies.keys)
        let snapshot = try await ScalingStore(pool: dependencies.pool).snapshot(
            workerTimeoutSeconds: configuration.scheduler.workerTimeoutSeconds, startedAfter: watermark)
        let previous = try? await store.latest(on: redis)
        let demand = ScalingDemand(
            settings: configuration.scaling, defaultConcurrency: configuration.worker.concurrency,
            nodePools: configuration.nodePools)
        let queues = demand.queues(snapshot: snapshot, heldBack: dependencies.heldBack(), previous: previous)
        let pools = await demand.nodePools(snapshot: snapshot) { tasks, pool in
            guard let dag = try? await self.definitions.dag(dagId: tasks.dagId, hash: tasks.dagHash) else { return nil }
            return dag.tasks.first { $0.taskId == tasks.taskId }?.podRequests(
                pool: pool, defaults: self.configuration.kubernetes.podDefaults)
        }
        var report = ScalingPlanner.plan(
            queues: queues, nodePools: pools, policy: demand.policy, previous: previous,
            now: Date().timeIntervalSince1970, intervalSeconds: configuration.scaling.intervalSeconds)
        report.podsPerNode = snapshot.podsPerNode
        try await store.publish(report, on: redis)
        latestReport.mutate { $0 = report }
        dependencies.metrics?.record(report)
        dependencies.metrics?.observeQueueToStart(snapshot.queueToStart)
        return snapshot.latestStart
    }
}

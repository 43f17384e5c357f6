import TideCore
import TidePostgres
import TideRedis

extension TideService {
    /// The service for an installation's configuration, reaching Redis at `redis` (its `redis_url`).
    public init(pool: PGPool, configuration: TideConfiguration, redis: RedisEndpoint) {
        let limits = Limits(
            parallelism: configuration.scheduler.parallelism,
            nodePoolMaxPods: Dictionary(
                configuration.nodePools.compactMap { pool in pool.maxPods.map { (pool.name, $0) } },
                uniquingKeysWith: { first, _ in first }))
        self.init(
            pool: pool, redis: redis,
            keys: RedisKeys(prefix: configuration.redisKeyPrefix), limits: limits,
            stopGraceSeconds: configuration.worker.heartbeatIntervalSeconds + 1)
    }
}

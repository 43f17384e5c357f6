import Logging
import TideCore
import TidePostgres
import TideRedis
import TideService

/// The composition root: builds the shared pieces every command needs from the configuration.
struct CommandContext: Sendable {
    let configuration: TideConfiguration
    let redis: RedisEndpoint
    let keys: RedisKeys

    init(_ configuration: TideConfiguration) throws {
        self.configuration = configuration
        do {
            redis = try RedisEndpoint(url: configuration.redisURL)
        } catch {
            throw CLIError(
                "TIDE_REDIS_URL / redis_url: \(error.message)", hint: "expected redis://[:password@]host[:port][/db]")
        }
        guard configuration.databaseURL.hasPrefix("postgres://") || configuration.databaseURL.hasPrefix("postgresql://")
        else {
            throw CLIError(
                "TIDE_DATABASE_URL / database_url: expected a postgres:// URL, got '\(SecretRedaction.redactingPassword(in: configuration.databaseURL))'"
            )
        }
        keys = RedisKeys(prefix: configuration.redisKeyPrefix)
    }

    func pool(maxConnections: Int = 4, application: String) -> PGPool {
        PGPool(
            .init(
                url: configuration.databaseURL, schema: configuration.databaseSchema, maxConnections: maxConnections,
                applicationName: application))
    }

    /// The service layer the API uses too: reads, and changes that wake the scheduler.
    func service(pool: PGPool) -> TideService {
        TideService(pool: pool, configuration: configuration, redis: redis)
    }

    /// Bootstraps swift-log once, writing to stderr at the configured level.
    static func bootstrapLogging(level: String) {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
    }
}

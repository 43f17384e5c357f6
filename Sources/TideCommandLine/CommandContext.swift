import Logging
import TideCore
import TidePostgres
import TideRedis

/// The composition root: builds the shared pieces every command needs from the configuration.
public struct CommandContext: Sendable {
    /// The loaded configuration (file and environment).
    public let configuration: TideConfiguration
    /// Where Redis is, from `redis_url`.
    public let redis: RedisEndpoint
    /// Redis key names under `redis_key_prefix`.
    public let keys: RedisKeys

    /// Checks the URLs of the configuration.
    /// - Throws: ``CLIError`` naming the setting whose URL is malformed.
    public init(_ configuration: TideConfiguration) throws {
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

    /// A PostgreSQL pool on the configured database and schema, its statements planned as `planning` says.
    public func pool(
        maxConnections: Int = 4, application: String, planning: PGSessionPlanning = .perExecution
    ) -> PGPool {
        PGPool(
            .init(
                url: configuration.databaseURL, schema: configuration.databaseSchema, maxConnections: maxConnections,
                applicationName: application, planning: planning))
    }

    /// Bootstraps swift-log once, writing to stderr at the configured level.
    public static func bootstrapLogging(level: String) {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
    }
}

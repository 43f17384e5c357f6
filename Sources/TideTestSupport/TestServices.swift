import Foundation
import TideCore
import TidePostgres
import TideRedis

/// The real Redis and PostgreSQL the tests run against (started by `scripts/services`).
///
/// URLs come from `TIDE_TEST_DATABASE_URL` and `TIDE_TEST_REDIS_URL`; `scripts/test` sets both.
public enum TestServices {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "TIDE_TEST_DATABASE_URL and TIDE_TEST_REDIS_URL must point at running services: use scripts/test, or "
                + "'scripts/services start' and export them from 'scripts/services env'"
        }
    }

    public static func databaseURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["TIDE_TEST_DATABASE_URL"] else { throw Missing() }
        return url
    }

    public static func redisURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["TIDE_TEST_REDIS_URL"] else { throw Missing() }
        return url
    }

    public static func redisEndpoint() throws -> RedisEndpoint { try RedisEndpoint(url: redisURL()) }

    /// A short random name, unique per test: `t_5f3a9c1e2b`.
    public static func uniqueName() -> String {
        "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10)
    }
}

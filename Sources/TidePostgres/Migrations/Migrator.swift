import Logging

/// Applies pending ``Migration``s, each in its own transaction, recorded in `tide_migrations`.
///
/// Safe to run from several processes at once: a session advisory lock (keyed by schema)
/// serializes them, and the second finds nothing left to do.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration] = Migration.all) {
        self.migrations = migrations
    }

    /// Brings the schema up to date.
    /// - Returns: the versions applied now (empty when already current).
    /// - Throws: ``PGError``; a failed migration is rolled back and the ones before it stay.
    @discardableResult
    public func migrate(_ connection: PGConnection, schema: String, logger: Logger? = nil) async throws -> [Int] {
        let lockKey = "tide-migrate:\(schema)"
        try await connection.query("SELECT pg_advisory_lock(hashtext($1))", [lockKey], context: "migration lock")
        do {
            let applied = try await applyPending(connection, schema: schema, logger: logger)
            try await connection.query(
                "SELECT pg_advisory_unlock(hashtext($1))", [lockKey], context: "migration unlock")
            return applied
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext($1))", [lockKey])
            throw error
        }
    }

    /// Versions already applied.
    public func appliedVersions(_ connection: PGConnection) async throws -> [Int] {
        let exists = try await connection.query("SELECT to_regclass('tide_migrations') IS NOT NULL AS present")
        guard exists.rows.first?.bool("present") == true else { return [] }
        return try await connection.query("SELECT version FROM tide_migrations ORDER BY version").rows.compactMap {
            $0.int("version")
        }
    }

    private func applyPending(_ connection: PGConnection, schema: String, logger: Logger?) async throws -> [Int] {
        let quoted = "\"" + schema.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        try await connection.executeScript(
            """
            CREATE SCHEMA IF NOT EXISTS \(quoted);
            CREATE TABLE IF NOT EXISTS tide_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
            );
            """, context: "migration bookkeeping")
        let done = Set(try await appliedVersions(connection))
        var applied: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) where !done.contains(migration.version) {
            try await connection.transaction { connection in
                try await connection.executeScript(
                    migration.sql, context: "migration \(migration.version) \(migration.name)")
                try await connection.query(
                    "INSERT INTO tide_migrations (version, name) VALUES ($1, $2)",
                    [String(migration.version), migration.name])
            }
            logger?.info(
                "applied migration",
                metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
            applied.append(migration.version)
        }
        return applied
    }
}

import TidePostgres

/// A PostgreSQL schema of its own for one test, migrated, dropped by ``drop()``.
public struct IsolatedSchema: Sendable {
    public let name: String
    public let url: String
    public let pool: PGPool

    /// Creates a fresh schema and applies `migrations` (all of them unless told).
    public static func create(migrations: [Migration] = Migration.all) async throws -> IsolatedSchema {
        let name = TestServices.uniqueName()
        let url = try TestServices.databaseURL()
        let connection = try await PGConnection.connect(url: url, schema: name)
        defer { connection.close() }
        try await Migrator(migrations: migrations).migrate(connection, schema: name)
        return IsolatedSchema(name: name, url: url, pool: PGPool(.init(url: url, schema: name, maxConnections: 4)))
    }

    /// Closes the pool and drops the schema with everything in it.
    public func drop() async {
        await pool.close()
        guard let connection = try? await PGConnection.connect(url: url, schema: "public") else { return }
        _ = try? await connection.query("DROP SCHEMA IF EXISTS \"\(name)\" CASCADE")
        connection.close()
    }
}

import TidePostgres
import TideTestSupport

/// A database as an earlier release left it, for the tests of a migration: the schema up to
/// migration `release`, DAG `old` (version `h1`) with its run 1 in `runState`, then the test's own
/// `statements`; ``migrate(_:)`` brings it to this release.
enum OldReleaseDatabase {
    static func make(release: Int, runState: String, _ statements: [String] = []) async throws -> IsolatedSchema {
        let schema = try await IsolatedSchema.create(migrations: Array(Migration.all.prefix(release)))
        let common = [
            "INSERT INTO dag_versions (dag_id, content_hash, definition) VALUES ('old', 'h1', '{}')",
            "INSERT INTO dags (dag_id, fileloc, current_hash, task_count) VALUES ('old', 'old.yaml', 'h1', 1)",
            """
            INSERT INTO dag_runs (id, dag_id, run_id, dag_hash, logical_date, state)
            VALUES (1, 'old', 'manual__1', 'h1', now(), '\(runState)')
            """,
        ]
        for statement in common + statements { try await schema.pool.query(statement) }
        return schema
    }

    static func migrate(_ schema: IsolatedSchema) async throws {
        try await schema.pool.withConnection { connection in
            _ = try await Migrator().migrate(connection, schema: schema.name)
        }
    }
}

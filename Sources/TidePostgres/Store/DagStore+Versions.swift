import TideCore

/// One stored version of a DAG: its definition's content hash and when it was first seen.
public struct DagVersionRecord: Sendable, Hashable {
    public var contentHash: String
    public var createdAt: Double
    /// Runs that use this version.
    public var runCount: Int
}

extension DagStore {
    /// Every stored version of a DAG, newest first.
    public func versions(_ dagId: String) async throws -> [DagVersionRecord] {
        try await pool.query(
            """
            SELECT v.content_hash, extract(epoch FROM v.created_at) AS created_at,
                   (SELECT count(*) FROM dag_runs r WHERE r.dag_id = v.dag_id AND r.dag_hash = v.content_hash) AS runs
            FROM dag_versions v WHERE v.dag_id = $1 ORDER BY v.created_at DESC
            """, [dagId], context: "list DAG versions"
        ).rows.compactMap { row in
            guard let hash = row["content_hash"] else { return nil }
            return DagVersionRecord(
                contentHash: hash, createdAt: row.double("created_at") ?? 0, runCount: row.int("runs") ?? 0)
        }
    }

    /// The DAG file's text as stored with a version; nil for versions stored before sources were kept.
    /// - Throws: ``PGError`` `notFound` when there is no such version.
    public func source(dagId: String, hash: String) async throws -> String? {
        let rows = try await pool.query(
            "SELECT source FROM dag_versions WHERE dag_id = $1 AND content_hash = $2", [dagId, hash],
            context: "read DAG source"
        ).rows
        guard let row = rows.first else {
            throw PGError(code: .notFound, message: "DAG '\(dagId)' has no version \(hash.prefix(12))")
        }
        return row["source"]
    }
}

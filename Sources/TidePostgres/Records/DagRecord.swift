import TideCore

/// A DAG as the store lists it.
public struct DagRecord: Sendable, Hashable, Codable {
    public var dagId: String
    public var fileloc: String
    public var contentHash: String
    public var isActive: Bool
    public var isPaused: Bool
    public var description: String
    public var taskCount: Int
    public var tags: [String] = []
    /// Unix seconds: when the scheduler last stored a change of the DAG.
    public var updatedAt: Double = 0
    /// Whether the file that defines it currently fails to load.
    public var hasImportErrors = false

    private enum CodingKeys: String, CodingKey {
        case dagId = "dag_id", fileloc, contentHash = "content_hash", isActive = "is_active", isPaused = "is_paused"
        case description
        case taskCount = "task_count", tags, updatedAt = "updated_at", hasImportErrors = "has_import_errors"
    }

    static let columns = """
        d.dag_id, d.fileloc, d.current_hash, d.is_active, d.is_paused, d.description, d.task_count,
        array_to_json(d.tags)::text AS tags, extract(epoch FROM d.updated_at) AS updated_at,
        EXISTS (SELECT 1 FROM import_errors e WHERE e.fileloc = d.fileloc) AS has_import_errors
        """

    init?(row: PGRow) {
        guard let dagId = row["dag_id"], let hash = row["current_hash"] else { return nil }
        self.dagId = dagId
        self.fileloc = row["fileloc"] ?? ""
        self.contentHash = hash
        self.isActive = row.bool("is_active") ?? false
        self.isPaused = row.bool("is_paused") ?? false
        self.description = row["description"] ?? ""
        self.taskCount = row.int("task_count") ?? 0
        self.tags = row["tags"].flatMap { try? JSONValue.parse($0).array?.compactMap(\.string) } ?? []
        self.updatedAt = row.double("updated_at") ?? 0
        self.hasImportErrors = row.bool("has_import_errors") ?? false
    }
}

/// A DAG file that failed to load, with every issue found in it.
public struct ImportErrorRecord: Sendable, Hashable, Codable {
    public var id: Int64 = 0
    public var fileloc: String
    public var message: String
    /// Unix seconds.
    public var recordedAt: Double

    private enum CodingKeys: String, CodingKey { case id, fileloc, message, recordedAt = "recorded_at" }
}

/// A DAG as the store lists it.
public struct DagRecord: Sendable, Hashable, Codable {
    public var dagId: String
    public var fileloc: String
    public var contentHash: String
    public var isActive: Bool
    public var isPaused: Bool
    public var description: String
    public var taskCount: Int

    private enum CodingKeys: String, CodingKey {
        case dagId = "dag_id", fileloc, contentHash = "content_hash", isActive = "is_active", isPaused = "is_paused"
        case description
        case taskCount = "task_count"
    }
}

/// A DAG file that failed to load, with every issue found in it.
public struct ImportErrorRecord: Sendable, Hashable, Codable {
    public var fileloc: String
    public var message: String
    /// Unix seconds.
    public var recordedAt: Double

    private enum CodingKeys: String, CodingKey { case fileloc, message, recordedAt = "recorded_at" }
}

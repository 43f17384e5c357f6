import TideCore

/// One try of a task instance as its history keeps it: a finished (or running) try's row in
/// `task_logs`, or the current try of the task instance. Times are Unix seconds.
public struct TryRecord: Sendable, Hashable, Codable {
    public var tryNumber: Int
    /// The try's outcome; a stale worker's late result reads `<state> (stale)`.
    public var state: String
    public var startedAt: Double?
    public var endedAt: Double?
    public var workerId: String?
    public var hostname: String?
    public var exitCode: Int?
    /// Bytes of output the try produced (the stored log may hold less).
    public var logBytes: Int

    private enum CodingKeys: String, CodingKey {
        case tryNumber = "try_number", state, startedAt = "started_at", endedAt = "ended_at", workerId = "worker_id"
        case hostname, exitCode = "exit_code", logBytes = "log_bytes"
    }
}

/// A part of a try's stored log: characters from `offset` on, at most a page.
public struct LogSlice: Sendable, Hashable {
    public var content: String
    /// Character offset of `content` in the stored log (code points, counting dropped output).
    public var offset: Int
    /// Where the part ends: the offset to read on from. `content` may hold more characters than
    /// `nextOffset - offset`: a marker line stands for each stretch of dropped output.
    public var nextOffset: Int
    /// Characters in the stored log now.
    public var storedCharacters: Int
    /// Whether the try still runs, so more may come.
    public var isRunning: Bool
    /// Whether the middle of the output was cut to fit the log limit.
    public var truncated: Bool
}

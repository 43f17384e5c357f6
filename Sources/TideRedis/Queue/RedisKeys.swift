/// The names of every Redis key Tide uses, all under one prefix (default `tide:`).
public struct RedisKeys: Sendable, Hashable {
    public let prefix: String

    public init(prefix: String) { self.prefix = prefix }

    /// Sorted set of ready task messages for one queue, scored by priority then arrival.
    public func queue(_ name: String) -> String { "\(prefix)queue:\(name)" }
    /// Counter that orders messages of equal priority (FIFO).
    public var sequence: String { "\(prefix)seq" }
    /// List of ``TaskEvent``s the scheduler blocks on.
    public var events: String { "\(prefix)events" }
    /// Wake-ups for the callback sender (the callbacks themselves are in PostgreSQL).
    public var callbacks: String { "\(prefix)callbacks" }
    /// List of messages no worker could understand, with the reason.
    public var deadLetter: String { "\(prefix)dead_letter" }
    /// The latest scaling report (JSON), written by a scheduler with an expiry.
    public var scalingReport: String { "\(prefix)scaling:report" }
}

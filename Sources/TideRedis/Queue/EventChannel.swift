import TideCore

/// The scheduler's wake-up list: workers and the CLI push ``TaskEvent``s, the scheduler blocks on it.
public struct EventChannel: Sendable {
    public let keys: RedisKeys

    public init(keys: RedisKeys) { self.keys = keys }

    /// Pushes one event.
    public func publish(_ event: TaskEvent, on connection: RedisConnection) async throws {
        try await connection.command(["LPUSH", keys.events, event.encoded()])
    }

    /// Pushes several events with one command.
    public func publish(_ events: [TaskEvent], on connection: RedisConnection) async throws {
        guard !events.isEmpty else { return }
        try await connection.command(["LPUSH", keys.events] + events.map { $0.encoded() })
    }

    /// Waits up to `timeoutSeconds` for events, then takes every other waiting event too (up to `limit`).
    /// Unreadable entries are dropped: events are hints, PostgreSQL holds the truth.
    public func next(timeoutSeconds: Double, limit: Int = 1000, on connection: RedisConnection) async throws
        -> [TaskEvent]
    {
        let timeout = String(format: "%.3f", max(0.01, timeoutSeconds))
        let first = try await connection.command(["BRPOP", keys.events, timeout])
        guard let pair = first.array, pair.count == 2, let text = pair[1].string else { return [] }
        var events = TaskEvent.decode(text).map { [$0] } ?? []
        let rest = try await connection.command(["RPOP", keys.events, String(limit)])
        for item in rest.array ?? [] {
            if let text = item.string, let event = TaskEvent.decode(text) { events.append(event) }
        }
        return events
    }
}

import TideCore
import TideRedis

/// Wakes the scheduler after an operator changed something it must act on (a new run, cleared or
/// marked tasks). Best effort: without Redis the scheduler finds the change on its next full pass.
public final class SchedulerNudger: Sendable {
    let link: RedisLink
    let channel: EventChannel

    public init(endpoint: RedisEndpoint, keys: RedisKeys) {
        link = RedisLink(endpoint: endpoint, name: "control")
        channel = EventChannel(keys: keys)
    }

    /// Pushes `event` to the scheduler's event list; a failure is swallowed (see above).
    public func send(_ event: TaskEvent) async {
        try? await link.with { try await channel.publish(event, on: $0) }
    }

    /// Closes the connection.
    public func close() { link.close() }
}

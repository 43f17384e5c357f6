import TideCore
import TideRedis

/// Wakes the scheduler after an operator changed something it must act on (a new run, cleared or
/// marked tasks), over one Redis connection kept open and reopened after a failure. Best effort:
/// without Redis the scheduler finds the change on its next full pass.
public final class SchedulerNudger: Sendable {
    let endpoint: RedisEndpoint
    let channel: EventChannel
    private let connection = LockedBox<RedisConnection?>(nil)

    public init(endpoint: RedisEndpoint, keys: RedisKeys) {
        self.endpoint = endpoint
        channel = EventChannel(keys: keys)
    }

    /// Pushes `event` to the scheduler's event list; a failure is swallowed (see above).
    public func send(_ event: TaskEvent) async {
        do {
            let redis: RedisConnection
            if let open = connection.value {
                redis = open
            } else {
                redis = try await RedisConnection.connect(endpoint, name: "control", socketTimeoutSeconds: 5)
                connection.mutate { $0 = redis }
            }
            try await channel.publish(event, on: redis)
        } catch {
            connection.mutate { open in
                open?.close()
                open = nil
            }
        }
    }

    /// Closes the connection.
    public func close() { connection.mutate { $0?.close() } }
}

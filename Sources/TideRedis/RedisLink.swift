import TideCore

/// One Redis connection kept open for occasional commands (wake-ups, queue positions, depths),
/// opened on first use and replaced after a failure.
public final class RedisLink: Sendable {
    public let endpoint: RedisEndpoint
    let name: String
    private let connection = LockedBox<RedisConnection?>(nil)

    public init(endpoint: RedisEndpoint, name: String) {
        self.endpoint = endpoint
        self.name = name
    }

    /// Runs `body` on the connection; on failure the connection is dropped and the error thrown.
    public func with<T: Sendable>(_ body: (RedisConnection) async throws -> T) async throws -> T {
        do {
            let redis: RedisConnection
            if let open = connection.value {
                redis = open
            } else {
                redis = try await RedisConnection.connect(endpoint, name: name, socketTimeoutSeconds: 5)
                connection.mutate { $0 = redis }
            }
            return try await body(redis)
        } catch {
            connection.mutate { open in
                open?.close()
                open = nil
            }
            throw error
        }
    }

    /// Closes the connection.
    public func close() { connection.mutate { $0?.close() } }
}

import TideRedis

/// A Redis key prefix of its own for one test; ``cleanup()`` deletes every key under it.
public struct KeyPrefix: Sendable {
    public let prefix: String
    public let keys: RedisKeys
    public let endpoint: RedisEndpoint

    public init() throws {
        prefix = TestServices.uniqueName() + ":"
        keys = RedisKeys(prefix: prefix)
        endpoint = try TestServices.redisEndpoint()
    }

    public func connect(name: String = "test") async throws -> RedisConnection {
        try await RedisConnection.connect(endpoint, name: name)
    }

    public func cleanup() async {
        guard let connection = try? await connect(name: "cleanup") else { return }
        defer { connection.close() }
        var cursor = "0"
        repeat {
            guard let reply = try? await connection.command(["SCAN", cursor, "MATCH", prefix + "*", "COUNT", "500"]),
                let parts = reply.array, parts.count == 2, let next = parts[0].string
            else { return }
            let keys = parts[1].array?.compactMap(\.string) ?? []
            if !keys.isEmpty { _ = try? await connection.command(["DEL"] + keys) }
            cursor = next
        } while cursor != "0"
    }
}

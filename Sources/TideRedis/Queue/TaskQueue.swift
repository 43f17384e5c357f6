import Foundation
import TideCore

/// The ready queues: one sorted set per queue, popped highest priority first, FIFO within a priority.
///
/// Redis is transport only. A message may be lost (the scheduler re-pushes tries left `queued`)
/// or delivered twice (the worker's fenced claim drops the second); neither breaks a run.
public struct TaskQueue: Sendable {
    public let keys: RedisKeys

    public init(keys: RedisKeys) { self.keys = keys }

    /// Adds the member with a score of `-priority * 2^32 + sequence`, unless it is already queued
    /// (NX keeps the original place). Scores stay exact doubles for |priority| < 2^20.
    static let enqueueScript = """
        local seq = redis.call('INCR', KEYS[2]) % 4294967296
        return redis.call('ZADD', KEYS[1], 'NX', -tonumber(ARGV[2]) * 4294967296 + seq, ARGV[1])
        """

    /// One message with the priority it is queued at.
    public struct Entry: Sendable {
        public var message: TaskMessage
        public var priority: Int
        public init(message: TaskMessage, priority: Int) {
            self.message = message
            self.priority = priority
        }
    }

    /// Pushes messages in one pipelined round trip.
    /// - Throws: ``RedisError`` if the connection fails or Redis rejects a push.
    public func enqueue(_ entries: [Entry], on connection: RedisConnection) async throws {
        guard !entries.isEmpty else { return }
        let commands = entries.map { entry in
            [
                "EVAL", Self.enqueueScript, "2", keys.queue(entry.message.queue), keys.sequence,
                entry.message.encoded(), String(max(-1_000_000, min(1_000_000, entry.priority))),
            ]
        }
        for reply in try await connection.pipeline(commands) {
            if case .error(let message) = reply {
                throw RedisError(
                    code: .server, message: message, endpoint: connection.endpoint, command: "EVAL enqueue")
            }
        }
    }

    /// A message taken off a queue: the raw text (it may be malformed) and the queue it came from.
    public struct Popped: Sendable {
        public var queue: String
        public var raw: String
        /// Its place in the queue, so it can be put back where it was.
        public var score: String
    }

    /// Blocks up to `timeoutSeconds` for a message from the first non-empty queue in `queues`.
    /// - Returns: nil when the timeout passed with every queue empty.
    /// - Throws: ``RedisError``.
    public func pop(from queues: [String], timeoutSeconds: Double, on connection: RedisConnection) async throws
        -> Popped?
    {
        let arguments = ["BZPOPMIN"] + queues.map(keys.queue) + [String(format: "%.3f", timeoutSeconds)]
        let reply = try await connection.command(arguments)
        guard let items = reply.array else { return nil }
        guard items.count == 3, let key = items[0].string, let member = items[1].string, let score = items[2].string
        else {
            throw RedisError(
                code: .unexpectedReply, message: "BZPOPMIN returned \(items.count) items", endpoint: connection.endpoint
            )
        }
        return Popped(queue: String(key.dropFirst(keys.queue("").count)), raw: member, score: score)
    }

    /// Blocks up to `timeoutSeconds` for messages, then takes up to `count` at once from the first
    /// non-empty queue in `queues`, highest priority first: one round trip (`BZMPOP`, Redis 7).
    /// On an older Redis it falls back to `BZPOPMIN` plus a pipelined `ZPOPMIN` for the rest.
    /// - Returns: nothing when the timeout passed with every queue empty.
    /// - Throws: ``RedisError``.
    public func pop(from queues: [String], count: Int, timeoutSeconds: Double, on connection: RedisConnection)
        async throws -> [Popped]
    {
        let count = max(1, count)
        let timeout = String(format: "%.3f", timeoutSeconds)
        let reply: RedisReply
        do {
            reply = try await connection.command(
                ["BZMPOP", timeout, String(queues.count)] + queues.map(keys.queue) + ["MIN", "COUNT", String(count)])
        } catch let error as RedisError
            where error.code == .server && error.message.lowercased().contains("unknown command")
        {
            return try await popWithoutBZMPOP(
                from: queues, count: count, timeoutSeconds: timeoutSeconds, on: connection)
        }
        guard let parts = reply.array else { return [] }
        guard parts.count == 2, let key = parts[0].string, let pairs = parts[1].array else {
            throw RedisError(
                code: .unexpectedReply, message: "BZMPOP returned \(parts.count) items", endpoint: connection.endpoint)
        }
        let queue = String(key.dropFirst(keys.queue("").count))
        return try pairs.map { pair in
            guard let items = pair.array, items.count == 2, let member = items[0].string, let score = items[1].string
            else {
                throw RedisError(
                    code: .unexpectedReply, message: "BZMPOP returned a malformed member", endpoint: connection.endpoint
                )
            }
            return Popped(queue: queue, raw: member, score: score)
        }
    }

    private func popWithoutBZMPOP(
        from queues: [String], count: Int, timeoutSeconds: Double, on connection: RedisConnection
    ) async throws -> [Popped] {
        guard let first = try await pop(from: queues, timeoutSeconds: timeoutSeconds, on: connection) else { return [] }
        guard count > 1 else { return [first] }
        let rest = try await connection.command(["ZPOPMIN", keys.queue(first.queue), String(count - 1)])
        var popped = [first]
        let flat = rest.array ?? []
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            if let member = flat[index].string, let score = flat[index + 1].string {
                popped.append(Popped(queue: first.queue, raw: member, score: score))
            }
        }
        return popped
    }

    /// Returns a popped message to its queue at its old place (unless it is there again already).
    public func putBack(_ popped: Popped, on connection: RedisConnection) async throws {
        try await connection.command(["ZADD", keys.queue(popped.queue), "NX", popped.score, popped.raw])
    }

    /// True when this exact message is waiting in its queue.
    public func contains(_ message: TaskMessage, on connection: RedisConnection) async throws -> Bool {
        try await !connection.command(["ZSCORE", keys.queue(message.queue), message.encoded()]).isNull
    }

    /// How many messages a worker takes before this one (0: it is next), or nil when it is not queued.
    public func position(of message: TaskMessage, on connection: RedisConnection) async throws -> Int? {
        try await connection.command(["ZRANK", keys.queue(message.queue), message.encoded()]).integer.map(Int.init)
    }

    /// Messages waiting in a queue.
    public func depth(of queue: String, on connection: RedisConnection) async throws -> Int {
        Int(try await connection.command(["ZCARD", keys.queue(queue)]).integer ?? 0)
    }

    /// Records a message no worker could handle, with the reason, for an operator to inspect.
    public func deadLetter(raw: String, queue: String, reason: String, workerId: String, on connection: RedisConnection)
        async throws
    {
        let record = JSONValue.object([
            "message": .string(raw), "queue": .string(queue), "reason": .string(reason),
            "worker": .string(workerId), "at": .number(Date().timeIntervalSince1970),
        ])
        try await connection.command(["LPUSH", keys.deadLetter, record.jsonText])
    }

    /// The dead-letter records, newest first.
    public func deadLetters(limit: Int = 100, on connection: RedisConnection) async throws -> [String] {
        let reply = try await connection.command(["LRANGE", keys.deadLetter, "0", String(limit - 1)])
        return reply.array?.compactMap(\.string) ?? []
    }
}

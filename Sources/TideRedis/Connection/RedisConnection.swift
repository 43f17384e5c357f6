import CHiredis
import Foundation
import TideBlocking
import TideCore

/// One blocking hiredis connection, driven from its own thread.
///
/// Every call hops to the connection's ``BlockingThread``, so a blocking `BZPOPMIN` never holds a
/// cooperative-pool thread. After a broken connection the next command reconnects (and logs in
/// and selects the database again); the command that saw the break throws `connectionLost`.
public final class RedisConnection: @unchecked Sendable {
    // Invariant: `context` is read and written only on `thread`.
    private var context: UnsafeMutablePointer<redisContext>?
    private let thread: BlockingThread
    public let endpoint: RedisEndpoint
    /// Socket read timeout; blocking pops must use a shorter server-side timeout.
    private let socketTimeoutSeconds: Int
    /// This connection's id on the server (`CLIENT ID`, per connect), for ``unblock(_:)``.
    private let clientId = LockedBox<Int64?>(nil)

    private init(endpoint: RedisEndpoint, name: String, socketTimeoutSeconds: Int) {
        self.endpoint = endpoint
        self.thread = BlockingThread(name: "tide-redis-\(name)")
        self.socketTimeoutSeconds = socketTimeoutSeconds
    }

    /// Opens a connection and checks it with the password and database of `endpoint`.
    /// - Throws: ``RedisError`` (`connectionFailed`) naming the server.
    public static func connect(
        _ endpoint: RedisEndpoint, name: String = "conn", socketTimeoutSeconds: Int = 30
    ) async throws -> RedisConnection {
        let connection = RedisConnection(endpoint: endpoint, name: name, socketTimeoutSeconds: socketTimeoutSeconds)
        do {
            try await connection.thread.run { try connection.ensureConnected() }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Runs one command, e.g. `["ZADD", key, "1", member]`.
    /// - Throws: ``RedisError``; an error reply from Redis is thrown as code `server`.
    @discardableResult
    public func command(_ arguments: [String]) async throws -> RedisReply {
        let replies = try await pipeline([arguments])
        guard let reply = replies.first else {
            throw RedisError(code: .unexpectedReply, message: "no reply", endpoint: endpoint, command: arguments.first)
        }
        if case .error(let message) = reply {
            throw RedisError(code: .server, message: message, endpoint: endpoint, command: arguments.first)
        }
        return reply
    }

    /// Sends all commands, then reads all replies: one round trip for the lot.
    /// Error replies are returned in place (as `.error`), so one bad command does not hide the others.
    /// - Throws: ``RedisError`` when the connection fails.
    public func pipeline(_ commands: [[String]]) async throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        precondition(commands.allSatisfy { !$0.isEmpty }, "a Redis command needs at least its name")
        return try await thread.run { [self] in
            let reused = context.map { $0.pointee.err == 0 } ?? false
            try ensureConnected()
            do {
                return try send(commands)
            } catch let error as RedisError where reused && error.code == .connectionLost && closedByServer {
                // The server closed this connection while it sat idle (a restart, an idle
                // timeout); hiredis finds out only on the next use. Once more, on a fresh one.
                try ensureConnected()
                return try send(commands)
            }
        }
    }

    /// Wakes `blocked` out of a blocking command (`BRPOP`, `BZMPOP`, …) it waits in, as if its
    /// timeout had passed: shutdown reaches a blocked pop at once instead of after its timeout.
    /// Sent on this connection; does nothing if `blocked` is not blocked.
    public func unblock(_ blocked: RedisConnection) async {
        guard let id = blocked.clientId.value else { return }
        _ = try? await command(["CLIENT", "UNBLOCK", String(id)])
    }

    /// Unblocks `blocked` again every 100 ms while `waiting()` holds: an unblock that arrives between
    /// two of a loop's blocking calls does nothing, so it is repeated until the loop has seen the stop.
    public func unblock(_ blocked: RedisConnection, while waiting: @escaping @Sendable () -> Bool) async {
        while waiting() {
            await unblock(blocked)
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Frees the hiredis context and stops the connection's thread.
    public func close() {
        thread.submit { [self] in
            if let context { redisFree(context) }
            context = nil
        }
        thread.shutdown()
    }

    // MARK: - On the connection thread

    private func ensureConnected() throws {
        if let context, context.pointee.err == 0 { return }
        if let context { redisFree(context) }
        context = nil
        let connectTimeout = timeval(tv_sec: 5, tv_usec: 0)
        guard let fresh = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), connectTimeout) else {
            throw RedisError(code: .connectionFailed, message: "cannot allocate a connection", endpoint: endpoint)
        }
        if fresh.pointee.err != 0 {
            let message = Self.errorText(fresh)
            redisFree(fresh)
            throw RedisError(code: .connectionFailed, message: message, endpoint: endpoint)
        }
        redisSetTimeout(fresh, timeval(tv_sec: socketTimeoutSeconds, tv_usec: 0))
        context = fresh
        var setup: [[String]] = []
        if let password = endpoint.password {
            setup.append(endpoint.username.map { ["AUTH", $0, password] } ?? ["AUTH", password])
        }
        if endpoint.database != 0 { setup.append(["SELECT", String(endpoint.database)]) }
        setup.append(["CLIENT", "ID"])
        let replies = try send(setup)
        for (index, reply) in replies.enumerated() {
            if case .error(let message) = reply, setup[index][0] != "CLIENT" {
                redisFree(fresh)
                context = nil
                // Name the command, never its argument (the password).
                throw RedisError(
                    code: .connectionFailed, message: message, endpoint: endpoint, command: setup[index][0])
            }
        }
        clientId.mutate { $0 = replies.last?.integer }
    }

    private func send(_ commands: [[String]]) throws -> [RedisReply] {
        guard let context else {
            throw RedisError(code: .connectionLost, message: "not connected", endpoint: endpoint)
        }
        for arguments in commands {
            let status = Self.withArgv(arguments) { argc, argv, lengths in
                redisAppendCommandArgv(context, argc, argv, lengths)
            }
            if status != REDIS_OK { throw lostError(commands) }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw lostError(commands) }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            replies.append(Self.decode(reply))
            freeReplyObject(raw)
        }
        return replies
    }

    /// Whether the connection failed because the server had closed or reset it.
    private var closedByServer: Bool {
        guard let context else { return false }
        return context.pointee.err == REDIS_ERR_EOF || context.pointee.err == REDIS_ERR_IO
    }

    private func lostError(_ commands: [[String]]) -> RedisError {
        let message = context.map(Self.errorText) ?? "not connected"
        return RedisError(code: .connectionLost, message: message, endpoint: endpoint, command: commands.first?.first)
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { buffer in
            let bytes = buffer.prefix { $0 != 0 }
            return bytes.isEmpty ? "connection error \(context.pointee.err)" : String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func withArgv<R>(
        _ arguments: [String],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        let buffers = arguments.map { Array($0.utf8) }
        let lengths = buffers.map(\.count)
        let pointers = buffers.map { bytes -> UnsafeMutablePointer<CChar> in
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, bytes.count))
            bytes.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { chars in
                    if let base = chars.baseAddress { pointer.initialize(from: base, count: chars.count) }
                }
            }
            return pointer
        }
        defer { pointers.forEach { $0.deallocate() } }
        var argv: [UnsafePointer<CChar>?] = pointers.map { UnsafePointer($0) }
        // `pipeline` guarantees at least one argument, so both buffers have a base address.
        return argv.withUnsafeMutableBufferPointer { argvBuffer in
            lengths.withUnsafeBufferPointer { lengthBuffer in
                guard let argvBase = argvBuffer.baseAddress, let lengthBase = lengthBuffer.baseAddress else {
                    preconditionFailure("empty Redis command")
                }
                return body(Int32(arguments.count), argvBase, lengthBase)
            }
        }
    }

    private static func decode(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        func text() -> String {
            guard let str = value.str else { return "" }
            return str.withMemoryRebound(to: UInt8.self, capacity: value.len) { bytes in
                String(decoding: UnsafeBufferPointer(start: bytes, count: value.len), as: UTF8.self)
            }
        }
        switch value.type {
        case REDIS_REPLY_STRING: return .string(text())
        case REDIS_REPLY_STATUS: return .status(text())
        case REDIS_REPLY_ERROR: return .error(text())
        case REDIS_REPLY_INTEGER: return .integer(value.integer)
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            for index in 0..<value.elements {
                if let element = value.element?[index] { items.append(decode(element)) } else { items.append(.null) }
            }
            return .array(items)
        default: return .null
        }
    }
}

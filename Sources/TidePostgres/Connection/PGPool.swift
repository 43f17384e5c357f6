/// A bounded pool of ``PGConnection``s, opened lazily and lent out through ``withConnection(_:)``.
public actor PGPool {
    public struct Configuration: Sendable {
        /// PostgreSQL URL.
        public var url: String
        /// Schema put first on `search_path`.
        public var schema: String
        /// Most connections open at once.
        public var maxConnections: Int
        /// Shown in `pg_stat_activity`.
        public var applicationName: String
        /// How PostgreSQL plans the pool's statements: its own choice unless told to plan each once
        /// (``PGSessionPlanning/onceByKey``, for a pool whose every statement finds its rows by key).
        public var planning: PGSessionPlanning

        public init(
            url: String, schema: String = "public", maxConnections: Int = 4, applicationName: String = "tide",
            planning: PGSessionPlanning = .perExecution
        ) {
            self.url = url
            self.schema = schema
            self.maxConnections = max(1, maxConnections)
            self.applicationName = applicationName
            self.planning = planning
        }
    }

    public let configuration: Configuration
    private var state: PGPoolState<PGConnection>
    /// Waiting loans by waiter: resumed with a grant, or nil when the waiter was cancelled.
    private var waiting: [UInt64: CheckedContinuation<PGPoolState<PGConnection>.Grant?, Never>] = [:]
    private var lastWaiter: UInt64 = 0

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        state = PGPoolState(maxConnections: configuration.maxConnections)
    }

    /// Lends a connection to `body` and takes it back afterwards (a broken one is replaced later).
    /// - Throws: ``PGError`` if no connection can be opened, `CancellationError` if the task is
    ///   cancelled while it waits for one, or whatever `body` throws.
    public func withConnection<T: Sendable>(_ body: (PGConnection) async throws -> T) async throws -> T {
        let connection = try await acquire()
        do {
            let result = try await body(connection)
            await release(connection)
            return result
        } catch {
            await release(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction on a pooled connection.
    public func transaction<T: Sendable>(_ body: (PGConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in try await connection.transaction(body) }
    }

    /// Runs one statement on a pooled connection.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = [], context: String? = nil) async throws -> PGResult {
        try await withConnection { try await $0.query(sql, parameters, context: context) }
    }

    /// Opens connections until `count` of them (at most ``Configuration/maxConnections``) are open
    /// and runs `prepare` on each, so that the first loans under load find sessions that are
    /// authenticated and have their statements planned. For before the pool is shared: it holds
    /// those connections until it is done, and waits for any that another loan holds.
    /// - Throws: ``PGError`` if a connection cannot be opened, or whatever `prepare` throws; the
    ///   connections opened are kept either way.
    public func warm(connections count: Int, preparing prepare: (PGConnection) async throws -> Void) async throws {
        var held: [PGConnection] = []
        do {
            for _ in 0..<min(count, configuration.maxConnections) {
                let connection = try await acquire()
                held.append(connection)
                try await prepare(connection)
            }
        } catch {
            for connection in held { await release(connection) }
            throw error
        }
        for connection in held { await release(connection) }
    }

    /// Closes idle connections and refuses new loans; waiting loans fail. Lent connections are
    /// closed when they come back.
    public func close() {
        let (idle, waiters) = state.close()
        idle.forEach { $0.close() }
        for waiter in waiters { waiting.removeValue(forKey: waiter)?.resume(returning: .closed) }
    }

    private func acquire() async throws -> PGConnection {
        try Task.checkCancellation()
        lastWaiter += 1
        let waiter = lastWaiter
        switch state.acquire(waiter) {
        case .granted(let grant):
            return try await take(grant)
        case .wait:
            // Registered before this function suspends, so a grant always finds its continuation.
            let grant = await withTaskCancellationHandler {
                await withCheckedContinuation { waiting[waiter] = $0 }
            } onCancel: {
                Task { await self.cancel(waiter) }
            }
            guard let grant else { throw CancellationError() }
            return try await take(grant)
        }
    }

    private func take(_ grant: PGPoolState<PGConnection>.Grant) async throws -> PGConnection {
        switch grant {
        case .connection(let connection):
            return connection
        case .closed:
            throw PGError(code: .connectionLost, message: "connection pool is closed")
        case .open:
            do {
                return try await PGConnection.connect(
                    url: configuration.url, schema: configuration.schema,
                    applicationName: configuration.applicationName,
                    planning: configuration.planning)
            } catch {
                // The slot goes to the next waiter, which tries for itself (and fails on its own
                // if PostgreSQL is away) instead of waiting for a connection that may never come.
                if let next = state.openFailed() { waiting.removeValue(forKey: next)?.resume(returning: .open) }
                throw error
            }
        }
    }

    private func release(_ connection: PGConnection) async {
        let healthy = await connection.isHealthy()
        switch state.release(connection, healthy: healthy) {
        case .keptIdle:
            break
        case .handOver(let connection, let waiter):
            waiting.removeValue(forKey: waiter)?.resume(returning: .connection(connection))
        case .close(let connection, let waiter):
            connection.close()
            if let waiter { waiting.removeValue(forKey: waiter)?.resume(returning: .open) }
        }
    }

    /// Loans waiting for a connection (for tests).
    var waitingLoans: Int { state.waiters.count }

    private func cancel(_ waiter: UInt64) {
        if state.cancel(waiter) { waiting.removeValue(forKey: waiter)?.resume(returning: nil) }
    }
}

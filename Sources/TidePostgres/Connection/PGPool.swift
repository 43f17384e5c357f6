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

        public init(url: String, schema: String = "public", maxConnections: Int = 4, applicationName: String = "tide") {
            self.url = url
            self.schema = schema
            self.maxConnections = max(1, maxConnections)
            self.applicationName = applicationName
        }
    }

    public let configuration: Configuration
    private var idle: [PGConnection] = []
    private var open = 0
    private var waiters: [CheckedContinuation<PGConnection?, Never>] = []
    private var closed = false

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Lends a connection to `body` and takes it back afterwards (a broken one is replaced later).
    /// - Throws: ``PGError`` if no connection can be opened, or whatever `body` throws.
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

    /// Closes idle connections and refuses new loans.
    public func close() {
        closed = true
        idle.forEach { $0.close() }
        idle.removeAll()
        waiters.forEach { $0.resume(returning: nil) }
        waiters.removeAll()
    }

    private func acquire() async throws -> PGConnection {
        guard !closed else { throw PGError(code: .connectionLost, message: "connection pool is closed") }
        if let connection = idle.popLast() { return connection }
        if open < configuration.maxConnections {
            open += 1
            do {
                return try await PGConnection.connect(
                    url: configuration.url, schema: configuration.schema, applicationName: configuration.applicationName
                )
            } catch {
                open -= 1
                throw error
            }
        }
        let handed = await withCheckedContinuation { waiters.append($0) }
        guard let handed else { throw PGError(code: .connectionLost, message: "connection pool is closed") }
        return handed
    }

    private func release(_ connection: PGConnection) async {
        guard !closed, await connection.isHealthy() else {
            connection.close()
            open -= 1
            // A waiter may now open a fresh connection: wake one to retry.
            if !waiters.isEmpty, !closed {
                if let replacement = try? await PGConnection.connect(
                    url: configuration.url, schema: configuration.schema, applicationName: configuration.applicationName
                ) {
                    open += 1
                    if waiters.isEmpty {
                        idle.append(replacement)
                    } else {
                        waiters.removeFirst().resume(returning: replacement)
                    }
                }
            }
            return
        }
        if waiters.isEmpty {
            idle.append(connection)
        } else {
            waiters.removeFirst().resume(returning: connection)
        }
    }
}

import CLibPQ
import Foundation
import TideBlocking
import TideCore

/// One libpq connection, driven from its own thread.
///
/// Statements run on the connection's ``BlockingThread``, never on the cooperative pool, every
/// value bound as `$n` (text format). A statement (alone or in a pipeline; scripts excepted) is
/// prepared the first time this connection runs it (up to ``preparedLimit`` of them) and executed
/// by name afterwards, so
/// PostgreSQL parses and plans the hot path's statements once per connection. A broken
/// connection is reset before the next statement; the statement that saw the break throws
/// `connectionLost`.
///
/// A statement in flight when its task is cancelled is cancelled on the server (libpq's
/// `PQcancel`, sent from a thread of its own) and throws `CancellationError`; statements started
/// by an already-cancelled task run as usual, so that clean-up (a ROLLBACK) still works.
public final class PGConnection: @unchecked Sendable {
    // Invariant: `handle` and `prepared` are used only on `thread`.
    private var handle: OpaquePointer?
    /// Statement text → its prepared name on this connection (gone after a reset).
    private var prepared: [String: String] = [:]
    private let thread: BlockingThread
    private let url: String
    /// Whether the latest statement left the connection usable: connected, and not inside a
    /// transaction (read without a thread hop when the connection goes back to its pool, which
    /// closes a connection that is not).
    private let usable = LockedBox(true)
    /// How to cancel the statement in flight, and which call that is (see ``StatementCanceller``).
    private let canceller = StatementCanceller()

    /// Most statements prepared on one connection; others run unprepared (statements built per
    /// request, such as filtered lists, would otherwise grow the server's memory without bound).
    static let preparedLimit = 256

    private init(handle: OpaquePointer, thread: BlockingThread, url: String) {
        self.handle = handle
        self.thread = thread
        self.url = url
    }

    /// Connects to `url` with `search_path` set to `schema`, its statements planned as `planning` says.
    /// - Throws: ``PGError`` (`connectionFailed`) with the server's reason; the password is masked.
    public static func connect(
        url: String, schema: String, applicationName: String = "tide", planning: PGSessionPlanning = .perExecution
    ) async throws -> PGConnection {
        let thread = BlockingThread(name: "tide-pg")
        do {
            let handle = try await thread.run { () throws -> UncheckedHandle in
                // Quote the schema as an identifier inside the options string.
                let options =
                    "-c client_min_messages=warning -c search_path=\"\(schema.replacingOccurrences(of: "\"", with: "\"\""))\""
                    + planning.sessionOptions
                // TCP keepalives and a user timeout first, so that the URL may override them: a
                // call in flight when the network drops (a partition, a server host gone) fails
                // within about 30 s instead of waiting for a reply forever.
                let keywords = [
                    "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                    "dbname", "options", "connect_timeout", "application_name",
                ]
                let values = ["1", "10", "5", "3", "30000", url, options, "5", applicationName]
                let connection = Self.withCStrings(keywords) { keys in
                    Self.withCStrings(values) { vals in PQconnectdbParams(keys, vals, 1) }
                }
                guard let connection else {
                    throw PGError(code: .connectionFailed, message: "out of memory")
                }
                guard PQstatus(connection) == CONNECTION_OK else {
                    let message = Self.errorMessage(connection, url: url)
                    PQfinish(connection)
                    throw PGError(code: .connectionFailed, message: message)
                }
                return UncheckedHandle(pointer: connection)
            }
            let connection = PGConnection(handle: handle.pointer, thread: thread, url: url)
            connection.canceller.replace(with: handle.pointer)
            return connection
        } catch {
            thread.shutdown()
            throw error
        }
    }

    /// Runs one statement with `$1…$n` parameters (nil binds SQL NULL).
    /// - Parameter context: what Tide was doing, for the error message.
    /// - Throws: ``PGError``.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = [], context: String? = nil) async throws -> PGResult {
        try await cancellable { [self] in try execute(sql, parameters, context: context) }
    }

    /// Runs `body` on the connection's thread; if the task is cancelled while it runs, the
    /// server is asked to cancel the statement.
    private func cancellable<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        // A task already cancelled runs its statements (a ROLLBACK, say) to the end.
        guard !Task.isCancelled else { return try await thread.run(body) }
        let call = canceller.nextCall()
        do {
            return try await withTaskCancellationHandler {
                try await thread.run { [canceller] in
                    defer { canceller.finished(call) }
                    guard canceller.started(call) else { throw CancellationError() }
                    return try body()
                }
            } onCancel: {
                canceller.cancel(call)
            }
        } catch let error as PGError where error.sqlState == StatementCanceller.queryCanceled && Task.isCancelled {
            throw CancellationError()
        }
    }

    /// One statement of a pipeline.
    public struct Statement: Sendable {
        public var sql: String
        public var parameters: [String?]
        public var context: String?

        public init(_ sql: String, _ parameters: [String?] = [], context: String? = nil) {
            self.sql = sql
            self.parameters = parameters
            self.context = context
        }
    }

    /// Sends every statement, then reads every result: one round trip for the lot (libpq's pipeline
    /// mode). If one fails, the ones after it are not run and the first error is thrown; use it
    /// inside BEGIN/COMMIT (or as part of them) when the statements belong together.
    /// - Throws: ``PGError``.
    public func pipeline(_ statements: [Statement]) async throws -> [PGResult] {
        guard !statements.isEmpty else { return [] }
        return try await cancellable { [self] in try executePipeline(statements) }
    }

    /// Runs a script of several statements without parameters (migrations).
    public func executeScript(_ sql: String, context: String? = nil) async throws {
        _ = try await thread.run { [self] in try execute(sql, nil, context: context) }
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    public func transaction<T: Sendable>(_ body: (PGConnection) async throws -> T) async throws -> T {
        try await query("BEGIN")
        do {
            let result = try await body(self)
            try await query("COMMIT")
            return result
        } catch {
            _ = try? await query("ROLLBACK")
            throw error
        }
    }

    /// True while the connection is usable, as the latest statement left it.
    public func isHealthy() async -> Bool {
        usable.value
    }

    /// Closes the connection and stops its thread.
    public func close() {
        thread.submit { [self] in
            canceller.replace(with: nil)
            if let handle { PQfinish(handle) }
            handle = nil
        }
        thread.shutdown()
    }

    // MARK: - On the connection thread

    private func execute(_ sql: String, _ parameters: [String?]?, context: String?) throws -> PGResult {
        guard let handle else { throw PGError(code: .connectionLost, message: "connection closed", context: context) }
        defer { noteUsable(handle) }
        try ensureConnected(handle, context: context)
        guard let parameters else { return try check(PQexec(handle, sql), on: handle, context: context) }
        let name = try preparedName(of: sql, parameterCount: parameters.count, on: handle, context: context)
        let result = Self.withOptionalCStrings(parameters) { values in
            if let name {
                PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
            } else {
                PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
            }
        }
        return try check(result, on: handle, context: context)
    }

    private func noteUsable(_ handle: OpaquePointer) {
        let usable = PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
        self.usable.mutate { $0 = usable }
    }

    /// Resets a broken connection (its prepared statements are gone with the old session, and
    /// cancel requests go to the new server process).
    private func ensureConnected(_ handle: OpaquePointer, context: String?) throws {
        guard PQstatus(handle) != CONNECTION_OK else { return }
        prepared = [:]
        PQreset(handle)
        canceller.replace(with: PQstatus(handle) == CONNECTION_OK ? handle : nil)
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PGError(code: .connectionLost, message: Self.errorMessage(handle, url: url), context: context)
        }
    }

    /// The name `sql` is prepared under on this connection, preparing it first; nil when the
    /// connection holds ``preparedLimit`` statements already.
    private func preparedName(of sql: String, parameterCount: Int, on handle: OpaquePointer, context: String?) throws
        -> String?
    {
        if let name = prepared[sql] { return name }
        guard prepared.count < Self.preparedLimit else { return nil }
        let name = "tide_\(prepared.count + 1)"
        _ = try check(PQprepare(handle, name, sql, Int32(parameterCount), nil), on: handle, context: context)
        prepared[sql] = name
        return name
    }

    /// Reads a result, or throws its error.
    private func check(_ result: OpaquePointer?, on handle: OpaquePointer, context: String?) throws -> PGResult {
        guard let result else {
            throw PGError(code: .connectionLost, message: Self.errorMessage(handle, url: url), context: context)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.read(result)
        default:
            let state = Self.field(result, "C")
            let primary = Self.field(result, "M") ?? Self.errorMessage(handle, url: url)
            let detail = Self.field(result, "D").map { " (\($0))" } ?? ""
            let lost = PQstatus(handle) != CONNECTION_OK
            throw PGError(
                code: lost ? .connectionLost : .queryFailed, message: primary + detail, sqlState: state,
                context: context)
        }
    }

    private func executePipeline(_ statements: [Statement]) throws -> [PGResult] {
        guard let handle else { throw PGError(code: .connectionLost, message: "connection closed") }
        defer { noteUsable(handle) }
        try ensureConnected(handle, context: "pipeline")
        guard PQenterPipelineMode(handle) == 1 else {
            throw PGError(code: .connectionLost, message: Self.errorMessage(handle, url: url), context: "pipeline")
        }
        defer { _ = PQexitPipelineMode(handle) }
        // A statement not prepared yet is prepared in the same pipeline, just before it runs.
        var preparing: [String: String] = [:]
        var steps: [(statement: Statement, prepares: String?)] = []
        for statement in statements {
            var name = prepared[statement.sql] ?? preparing[statement.sql]
            var prepares: String?
            if name == nil, prepared.count + preparing.count < Self.preparedLimit {
                let fresh = "tide_\(prepared.count + preparing.count + 1)"
                guard PQsendPrepare(handle, fresh, statement.sql, Int32(statement.parameters.count), nil) == 1 else {
                    throw PGError(
                        code: .connectionLost, message: Self.errorMessage(handle, url: url), context: statement.context)
                }
                preparing[statement.sql] = fresh
                (name, prepares) = (fresh, fresh)
            }
            let sent = Self.withOptionalCStrings(statement.parameters) { values in
                if let name {
                    PQsendQueryPrepared(handle, name, Int32(statement.parameters.count), values, nil, nil, 0)
                } else {
                    PQsendQueryParams(
                        handle, statement.sql, Int32(statement.parameters.count), nil, values, nil, nil, 0)
                }
            }
            guard sent == 1 else {
                throw PGError(
                    code: .connectionLost, message: Self.errorMessage(handle, url: url), context: statement.context)
            }
            steps.append((statement, prepares))
        }
        guard PQpipelineSync(handle) == 1 else {
            throw PGError(code: .connectionLost, message: Self.errorMessage(handle, url: url), context: "pipeline sync")
        }
        var results: [PGResult] = []
        var firstError: PGError?
        func note(_ result: OpaquePointer, _ statement: Statement) {
            guard firstError == nil else { return }
            let primary = Self.field(result, "M") ?? Self.errorMessage(handle, url: url)
            firstError = PGError(
                code: .queryFailed, message: primary, sqlState: Self.field(result, "C"), context: statement.context)
        }
        for (statement, prepares) in steps {
            // Each statement's results (and its preparation's) end with a NULL.
            if let prepares {
                while let result = PQgetResult(handle) {
                    defer { PQclear(result) }
                    switch PQresultStatus(result) {
                    case PGRES_COMMAND_OK: prepared[statement.sql] = prepares
                    case PGRES_PIPELINE_ABORTED: break
                    default: note(result, statement)
                    }
                }
            }
            while let result = PQgetResult(handle) {
                defer { PQclear(result) }
                switch PQresultStatus(result) {
                case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                    results.append(Self.read(result))
                case PGRES_PIPELINE_ABORTED:
                    break
                default:
                    note(result, statement)
                }
            }
        }
        // Then the sync point.
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        if let firstError { throw firstError }
        guard results.count == statements.count else {
            throw PGError(
                code: .connectionLost, message: "pipeline returned \(results.count) of \(statements.count) results")
        }
        return results
    }

    private static func read(_ result: OpaquePointer) -> PGResult {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var values: [[String?]] = []
        values.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var rowValues: [String?] = []
            rowValues.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    rowValues.append(nil)
                } else {
                    rowValues.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            values.append(rowValues)
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PGResult(columns: columns, values: values, affectedRows: affected)
    }

    private static func field(_ result: OpaquePointer, _ code: Character) -> String? {
        guard let ascii = code.asciiValue, let value = PQresultErrorField(result, Int32(ascii)) else { return nil }
        return String(cString: value)
    }

    private static func errorMessage(_ handle: OpaquePointer, url: String) -> String {
        let raw = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
        let password = URLComponents(string: url)?.password.map { [$0] } ?? []
        return SecretRedaction.masking(password, in: raw)
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { buffer in
            // Never empty (it ends with the NULL terminator), so the base address exists.
            guard let base = buffer.baseAddress else { preconditionFailure("empty C string list") }
            return body(base)
        }
    }

    private static func withOptionalCStrings<R>(
        _ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R
    ) -> R {
        let copies = strings.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { $0.map { UnsafePointer($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}

/// Carries a fresh libpq handle from the connect thread to the new connection object.
private struct UncheckedHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

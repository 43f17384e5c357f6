import TidePostgres

/// Why an operator's request was refused: the resource is missing, conflicts with what exists,
/// or the request itself is invalid. Messages name what is wrong and are safe to show users.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    /// The kind of refusal.
    public enum Code: String, Sendable, Hashable {
        /// A DAG, run, task, pool or token that does not exist.
        case notFound
        /// A name that is taken, or a change the current state does not allow.
        case conflict
        /// A value the operation cannot take.
        case invalid
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The store's not-found and conflict errors as refusals; anything else (a lost connection) stays as it is.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PGError where error.code == .notFound {
            throw ServiceError(.notFound, error.message)
        } catch let error as PGError where error.code == .conflict {
            throw ServiceError(.conflict, error.message)
        }
    }
}

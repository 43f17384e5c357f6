import TideCore

/// DAG definitions by content hash. A version never changes once stored, so entries never go stale.
public final class DagVersionCache: Sendable {
    private let store: DagStore
    private let versions = LockedBox<[String: DAG]>([:])

    public init(store: DagStore) { self.store = store }

    /// The definition of one version, read from PostgreSQL the first time.
    public func dag(dagId: String, hash: String) async throws -> DAG {
        let key = "\(dagId)@\(hash)"
        if let dag = versions.mutate({ $0[key] }) { return dag }
        let dag = try await store.definition(dagId: dagId, hash: hash)
        versions.mutate { $0[key] = dag }
        return dag
    }
}

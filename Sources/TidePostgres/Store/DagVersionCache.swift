import TideCore

/// DAG definitions by content hash, compiled once. A version never changes once stored, so
/// entries never go stale.
public final class DagVersionCache: Sendable {
    private let store: DagStore
    private let versions = LockedBox<[String: CompiledDAG]>([:])

    public init(store: DagStore) { self.store = store }

    /// The definition of one version, read from PostgreSQL the first time.
    public func dag(dagId: String, hash: String) async throws -> DAG {
        try await compiled(dagId: dagId, hash: hash).dag
    }

    /// The compiled definition of one version, read and compiled the first time.
    public func compiled(dagId: String, hash: String) async throws -> CompiledDAG {
        let key = "\(dagId)@\(hash)"
        if let compiled = versions.mutate({ $0[key] }) { return compiled }
        let compiled = CompiledDAG(try await store.definition(dagId: dagId, hash: hash))
        versions.mutate { $0[key] = compiled }
        return compiled
    }
}

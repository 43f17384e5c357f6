import TideCore

/// DAG definitions by content hash, compiled once. A version never changes once stored, so
/// entries never go stale; the least recently used are dropped beyond ``capacity``, so a
/// scheduler of ten thousand DAGs keeps only the versions it is working with. Callers asking for
/// the same version at once share one read (a worker's first batch of tries of a new run).
public final class DagVersionCache: Sendable {
    private struct Entry {
        var compiled: CompiledDAG
        var lastUse: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var uses: UInt64 = 0
        /// Loads in flight: a version asked for by many tries at once is read and compiled once.
        var loading: [String: Task<CompiledDAG, any Error>] = [:]
    }

    /// Reads one version's definition.
    typealias Loader = @Sendable (_ dagId: String, _ hash: String) async throws -> DAG

    private let load: Loader
    /// Most versions kept.
    public let capacity: Int
    private let state = LockedBox(State())

    public convenience init(store: DagStore, capacity: Int = 512) {
        self.init(capacity: capacity) { try await store.definition(dagId: $0, hash: $1) }
    }

    init(capacity: Int, load: @escaping Loader) {
        self.load = load
        self.capacity = max(1, capacity)
    }

    /// How many versions are kept now.
    public var count: Int { state.value.entries.count }

    /// The definition of one version, read from PostgreSQL the first time.
    public func dag(dagId: String, hash: String) async throws -> DAG {
        try await compiled(dagId: dagId, hash: hash).dag
    }

    /// The compiled definition of one version, read and compiled the first time (or again after
    /// it was dropped).
    public func compiled(dagId: String, hash: String) async throws -> CompiledDAG {
        let key = "\(dagId)@\(hash)"
        let cached = state.mutate { state -> CompiledDAG? in
            guard var entry = state.entries[key] else { return nil }
            state.uses += 1
            entry.lastUse = state.uses
            state.entries[key] = entry
            return entry.compiled
        }
        if let cached { return cached }
        let read = load
        let loading = state.mutate { state in
            if let running = state.loading[key] { return running }
            let loading = Task { CompiledDAG(try await read(dagId, hash)) }
            state.loading[key] = loading
            return loading
        }
        let compiled: CompiledDAG
        do {
            compiled = try await loading.value
        } catch {
            state.mutate { $0.loading[key] = nil }
            throw error
        }
        let capacity = capacity
        state.mutate { state in
            state.loading[key] = nil
            state.uses += 1
            state.entries[key] = Entry(compiled: compiled, lastUse: state.uses)
            guard state.entries.count > capacity else { return }
            // Drop the least recently used eighth at once, so the sort is paid rarely.
            let excess = state.entries.count - capacity + capacity / 8
            for (key, _) in state.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }).prefix(excess) {
                state.entries[key] = nil
            }
        }
        return compiled
    }
}

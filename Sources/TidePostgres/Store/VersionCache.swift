import TideCore

/// DAG versions by content hash, read and prepared once (compiled for the scheduler, outlined for
/// a worker). A version never changes once stored, so entries never go stale; the least recently
/// used are dropped beyond ``capacity``, so a scheduler of ten thousand DAGs keeps only the versions
/// it is working with. Callers asking for the same version at once share one read (a worker's
/// first batch of tries of a new run).
public final class VersionCache<Version: Sendable>: Sendable {
    private struct Entry {
        var version: Version
        var lastUse: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var uses: UInt64 = 0
        /// Loads in flight: a version asked for by many callers at once is read and prepared once.
        var loading: [String: Task<Version, any Error>] = [:]
    }

    /// Reads and prepares one version.
    public typealias Loader = @Sendable (_ dagId: String, _ hash: String) async throws -> Version

    private let load: Loader
    /// Most versions kept.
    public let capacity: Int
    private let state = LockedBox(State())

    public init(capacity: Int, loadingWith load: @escaping Loader) {
        self.load = load
        self.capacity = max(1, capacity)
    }

    /// How many versions are kept now.
    public var count: Int { state.value.entries.count }

    /// One version, read and prepared the first time (or again after it was dropped).
    public func version(dagId: String, hash: String) async throws -> Version {
        let key = "\(dagId)@\(hash)"
        let cached = state.mutate { state -> Version? in
            guard var entry = state.entries[key] else { return nil }
            state.uses += 1
            entry.lastUse = state.uses
            state.entries[key] = entry
            return entry.version
        }
        if let cached { return cached }
        let read = load
        let loading = state.mutate { state in
            if let running = state.loading[key] { return running }
            let loading = Task { try await read(dagId, hash) }
            state.loading[key] = loading
            return loading
        }
        let version: Version
        do {
            version = try await loading.value
        } catch {
            state.mutate { $0.loading[key] = nil }
            throw error
        }
        let capacity = capacity
        state.mutate { state in
            state.loading[key] = nil
            state.uses += 1
            state.entries[key] = Entry(version: version, lastUse: state.uses)
            guard state.entries.count > capacity else { return }
            // Drop the least recently used eighth at once, so the sort is paid rarely.
            let excess = state.entries.count - capacity + capacity / 8
            for (key, _) in state.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }).prefix(excess) {
                state.entries[key] = nil
            }
        }
        return version
    }
}

/// Compiled versions: what the scheduler, the API and the hint publisher read.
public typealias DagVersionCache = VersionCache<CompiledDAG>

extension VersionCache where Version == CompiledDAG {
    public convenience init(store: DagStore, capacity: Int = 512) {
        self.init(capacity: capacity) { try await store.definition(dagId: $0, hash: $1) }
    }

    /// A cache that compiles the definitions `load` reads.
    public convenience init(
        capacity: Int, load: @escaping @Sendable (_ dagId: String, _ hash: String) async throws -> DAG
    ) {
        self.init(capacity: capacity, loadingWith: { CompiledDAG(try await load($0, $1)) })
    }

    /// The definition of one version, read from PostgreSQL the first time.
    public func dag(dagId: String, hash: String) async throws -> DAG {
        try await compiled(dagId: dagId, hash: hash).dag
    }

    /// The compiled definition of one version.
    public func compiled(dagId: String, hash: String) async throws -> CompiledDAG {
        try await version(dagId: dagId, hash: hash)
    }
}

/// Outlined versions: what a worker reads (``DAGOutline``: each task decoded only when it runs).
public typealias DagOutlineCache = VersionCache<DAGOutline>

extension VersionCache where Version == DAGOutline {
    public convenience init(store: DagStore, capacity: Int = 512) {
        self.init(capacity: capacity) { try await store.outline(dagId: $0, hash: $1) }
    }

    /// The outline of one version, read from PostgreSQL the first time.
    public func outline(dagId: String, hash: String) async throws -> DAGOutline {
        try await version(dagId: dagId, hash: hash)
    }
}

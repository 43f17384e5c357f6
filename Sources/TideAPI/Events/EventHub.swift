import TidePostgres

/// The API's view of the state-change feed: while any client listens, it reads new events from
/// PostgreSQL every `pollSeconds` (one query for all clients) and keeps the latest ones in memory;
/// clients that resume from further back read PostgreSQL directly.
actor EventHub {
    typealias Event = StateEventStore.Event

    let store: StateEventStore
    let capacity: Int
    private var buffer: [Event] = []
    /// The id the buffer continues from: every event after it is in the buffer.
    private var bufferedAfter: Int64?
    private var listeners = 0

    init(store: StateEventStore, capacity: Int = 10_000) {
        self.store = store
        self.capacity = capacity
    }

    func listen() { listeners += 1 }
    func leave() { listeners -= 1 }

    /// The newest event id known (from the buffer, else PostgreSQL).
    func newestId() async throws -> Int64 {
        if let last = buffer.last { return last.id }
        if let bufferedAfter { return bufferedAfter }
        return try await store.bounds().newest
    }

    /// Events after `id`, up to `limit`; empty when there is nothing new yet.
    func events(after id: Int64, limit: Int = 500) async throws -> [Event] {
        if let start = bufferedAfter, id >= start {
            let from = buffer.firstIndex { $0.id > id } ?? buffer.endIndex
            return Array(buffer[from...].prefix(limit))
        }
        return try await store.after(id, limit: limit)
    }

    /// One read of new events into the buffer (when anyone listens).
    func poll() async throws {
        guard listeners > 0 else {
            buffer.removeAll()
            bufferedAfter = nil
            return
        }
        if bufferedAfter == nil { bufferedAfter = try await store.bounds().newest }
        let after = buffer.last?.id ?? bufferedAfter ?? 0
        let fresh = try await store.after(after, limit: 5000)
        guard !fresh.isEmpty else { return }
        buffer += fresh
        if buffer.count > capacity {
            let dropped = buffer.count - capacity
            bufferedAfter = buffer[dropped - 1].id
            buffer.removeFirst(dropped)
        }
    }

    /// Polls until cancelled (the server's shutdown).
    func run(pollSeconds: Double) async {
        while !Task.isCancelled {
            try? await poll()
            do { try await Task.sleep(for: .seconds(pollSeconds)) } catch { return }
        }
    }
}

import TideCore

/// Pools: named numbers of slots that limit how many task instances run at once.
public struct PoolStore: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// A pool with its use.
    public struct PoolRecord: Sendable, Hashable, Codable {
        public var name: String
        public var slots: Int
        public var description: String
        /// Slots taken by queued and running task instances.
        public var used: Int
        /// Task instances waiting for a slot (state `scheduled`).
        public var waiting: Int
    }

    /// Creates a pool or changes its size.
    public func set(_ name: String, slots: Int, description: String?) async throws {
        try await pool.query(
            """
            INSERT INTO pools (name, slots, description) VALUES ($1, $2, coalesce($3, ''))
            ON CONFLICT (name) DO UPDATE SET slots = EXCLUDED.slots, description = coalesce($3, pools.description)
            """, [name, String(slots), description], context: "set pool")
    }

    /// Every pool by name, with use.
    public func list() async throws -> [PoolRecord] {
        try await pool.query(
            """
            SELECT p.name, p.slots, p.description,
                   coalesce(sum(ti.pool_slots) FILTER (WHERE ti.state IN ('queued', 'running')), 0) AS used,
                   count(ti.id) FILTER (WHERE ti.state = 'scheduled') AS waiting
            FROM pools p LEFT JOIN task_instances ti ON ti.pool = p.name AND ti.state IN ('queued', 'running', 'scheduled')
            GROUP BY p.name ORDER BY p.name
            """, context: "list pools"
        ).rows.compactMap { row in
            guard let name = row["name"], let slots = row.int("slots") else { return nil }
            return PoolRecord(
                name: name, slots: slots, description: row["description"] ?? "", used: row.int("used") ?? 0,
                waiting: row.int("waiting") ?? 0)
        }
    }
}

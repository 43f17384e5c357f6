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
        /// Slots taken by running task instances (part of `used`).
        public var running: Int = 0
        /// Slots taken by queued task instances (part of `used`).
        public var queued: Int = 0
        /// Slots wanted by scheduled task instances.
        public var scheduled: Int = 0
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
        try await page(search: nil, limit: Int(Int32.max), offset: 0).items
    }

    /// One page of pools by name (optionally those matching a ``SearchPattern``), with use and the
    /// number of all that match.
    public func page(search: String?, limit: Int, offset: Int, descending: Bool = false) async throws -> Page<
        PoolRecord
    > {
        let terms = SearchPattern.alternatives(search)
        let rows = try await pool.query(
            """
            WITH matching AS (SELECT * FROM pools WHERE $1::text[] IS NULL OR name ILIKE ANY($1::text[]))
            SELECT (SELECT count(*) FROM matching) AS total, page.* FROM (
                SELECT p.name, p.slots, p.description,
                       coalesce(sum(ti.pool_slots) FILTER (WHERE ti.state = 'running'), 0) AS running,
                       coalesce(sum(ti.pool_slots) FILTER (WHERE ti.state = 'queued'), 0) AS queued,
                       coalesce(sum(ti.pool_slots) FILTER (WHERE ti.state = 'scheduled'), 0) AS scheduled,
                       count(ti.id) FILTER (WHERE ti.state = 'scheduled') AS waiting
                FROM matching p
                LEFT JOIN task_instances ti ON ti.pool = p.name AND ti.state IN ('queued', 'running', 'scheduled')
                GROUP BY p.name, p.slots, p.description ORDER BY p.name \(descending ? "DESC" : "") LIMIT $2 OFFSET $3
            ) page RIGHT JOIN (SELECT 1) one ON true
            """, [terms.map(PGArray.literal), String(limit), String(offset)], context: "list pools"
        ).rows
        let items = rows.compactMap { row -> PoolRecord? in
            guard let name = row["name"], let slots = row.int("slots") else { return nil }
            let running = row.int("running") ?? 0
            let queued = row.int("queued") ?? 0
            return PoolRecord(
                name: name, slots: slots, description: row["description"] ?? "", used: running + queued,
                waiting: row.int("waiting") ?? 0, running: running, queued: queued,
                scheduled: row.int("scheduled") ?? 0)
        }
        return Page(items: items, total: rows.first?.int("total") ?? 0)
    }

    /// One pool with its use.
    /// - Throws: ``PGError`` `notFound`.
    public func get(_ name: String) async throws -> PoolRecord {
        guard let record = try await list().first(where: { $0.name == name }) else {
            throw PGError(code: .notFound, message: "no pool '\(name)'")
        }
        return record
    }

    /// Creates a pool.
    /// - Throws: ``PGError`` `conflict` if a pool of that name exists.
    public func create(_ name: String, slots: Int, description: String?) async throws {
        let inserted = try await pool.query(
            "INSERT INTO pools (name, slots, description) VALUES ($1, $2, coalesce($3, '')) ON CONFLICT DO NOTHING",
            [name, String(slots), description], context: "create pool")
        guard inserted.affectedRows == 1 else {
            throw PGError(code: .conflict, message: "pool '\(name)' already exists")
        }
    }

    /// Changes a pool's slots and/or description (nil keeps the value).
    /// - Throws: ``PGError`` `notFound`.
    public func update(_ name: String, slots: Int?, description: String?) async throws {
        let updated = try await pool.query(
            "UPDATE pools SET slots = coalesce($2::int, slots), description = coalesce($3, description) WHERE name = $1",
            [name, slots.map(String.init), description], context: "update pool")
        guard updated.affectedRows == 1 else { throw PGError(code: .notFound, message: "no pool '\(name)'") }
    }

    /// Deletes a pool; task instances that name it wait until it exists again.
    /// - Throws: ``PGError`` `notFound`.
    public func delete(_ name: String) async throws {
        let deleted = try await pool.query("DELETE FROM pools WHERE name = $1", [name], context: "delete pool")
        guard deleted.affectedRows == 1 else { throw PGError(code: .notFound, message: "no pool '\(name)'") }
    }
}

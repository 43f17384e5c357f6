/// Where schedulers say how far their clocks are from PostgreSQL's (`scheduler_clocks`), for
/// `tide doctor`: a scheduler computes when scheduled runs are due with its own clock.
public struct SchedulerClockStore: Sendable {
    let pool: PGPool

    public init(pool: PGPool) {
        self.pool = pool
    }

    /// Records a scheduler's clock (Unix seconds, read as the statement is sent).
    public func record(id: String, hostname: String, clock: Double) async throws {
        try await pool.query(
            """
            INSERT INTO scheduler_clocks (id, hostname, clock_skew_seconds)
            VALUES ($1, $2, $3::double precision - extract(epoch FROM clock_timestamp()))
            ON CONFLICT (id) DO UPDATE SET hostname = EXCLUDED.hostname,
                clock_skew_seconds = EXCLUDED.clock_skew_seconds, seen_at = clock_timestamp()
            """, [id, hostname, String(clock)], context: "record scheduler clock")
    }

    /// Schedulers heard from within `seconds`: who, and their clock's skew.
    public func recent(withinSeconds seconds: Double) async throws -> [(name: String, skewSeconds: Double)] {
        try await pool.query(
            """
            SELECT id, hostname, clock_skew_seconds FROM scheduler_clocks
            WHERE seen_at > clock_timestamp() - make_interval(secs => $1::double precision) ORDER BY id
            """, [String(seconds)], context: "read scheduler clocks"
        ).rows.compactMap { row in
            guard let id = row["id"], let skew = row.double("clock_skew_seconds") else { return nil }
            return (name: "\(id) on \(row["hostname"] ?? "?")", skewSeconds: skew)
        }
    }

    /// Forgets schedulers not heard from for `seconds`.
    public func prune(olderThanSeconds seconds: Double) async throws {
        try await pool.query(
            "DELETE FROM scheduler_clocks WHERE seen_at < clock_timestamp() - make_interval(secs => $1::double precision)",
            [String(seconds)], context: "prune scheduler clocks")
    }
}

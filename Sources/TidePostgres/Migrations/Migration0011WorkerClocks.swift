extension Migration {
    static let workerClocks = Migration(
        version: 11, name: "worker_clocks",
        sql: """
            -- How far each worker's clock was from PostgreSQL's at its last heartbeat (seconds, the
            -- worker's minus PostgreSQL's, one-way: the request's latency counts against it).
            ALTER TABLE workers ADD COLUMN clock_skew_seconds double precision;
            """)
}

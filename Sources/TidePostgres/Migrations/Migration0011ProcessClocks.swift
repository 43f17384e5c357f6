extension Migration {
    static let processClocks = Migration(
        version: 11, name: "process_clocks",
        sql: """
            -- How far each process's clock was from PostgreSQL's when it last said (seconds, the
            -- process's minus PostgreSQL's, one-way: the request's latency counts against it), for
            -- `tide doctor`. Workers say with every heartbeat; schedulers every 30 s.
            ALTER TABLE workers ADD COLUMN clock_skew_seconds double precision;
            CREATE TABLE scheduler_clocks (
                id                 text PRIMARY KEY,
                hostname           text NOT NULL,
                clock_skew_seconds double precision NOT NULL,
                seen_at            timestamptz NOT NULL DEFAULT clock_timestamp()
            );
            """)
}

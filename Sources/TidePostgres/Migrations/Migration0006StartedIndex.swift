extension Migration {
    static let startedIndex = Migration(
        version: 6, name: "started_index",
        sql: """
            -- The scaling-hint loop reads the queue-to-start latency of tries started since its last look.
            CREATE INDEX task_instances_started ON task_instances (started_at) WHERE started_at IS NOT NULL;
            """)
}

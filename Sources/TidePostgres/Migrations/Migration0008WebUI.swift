extension Migration {
    static let webUI = Migration(
        version: 8, name: "web_ui",
        sql: """
            -- The web UI shows each DAG version's source file as it was when the version was stored.
            ALTER TABLE dag_versions ADD COLUMN source text;
            -- The limit that held a ready try back (pool_full, max_active_tasks, …), for the run's Gantt chart.
            ALTER TABLE task_instances ADD COLUMN held_reason text;
            ALTER TABLE task_logs ADD COLUMN held_reason text;
            -- A log's length in characters, kept with it, so reading its tail or a page of it does not
            -- first decompress the whole text to count.
            ALTER TABLE task_logs ADD COLUMN stored_chars integer GENERATED ALWAYS AS (char_length(content)) STORED;
            """)
}

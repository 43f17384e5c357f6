extension Migration {
    static let sensors = Migration(
        version: 13, name: "sensors",
        sql: """
            -- A sensor's wait across its checks: since when it waits (its timeout counts from there,
            -- across the tries of reschedule mode), how many checks it made (for its back-off), and
            -- what the latest check found (shown while it waits). A clear resets them.
            ALTER TABLE task_instances ADD COLUMN sensing_since timestamptz,
                ADD COLUMN sensor_pokes integer NOT NULL DEFAULT 0, ADD COLUMN sensor_status text;
            -- A new state: a sensor between two checks (Airflow's up_for_reschedule).
            ALTER TABLE task_instances DROP CONSTRAINT task_instances_state_check;
            ALTER TABLE task_instances ADD CONSTRAINT task_instances_state_check
                CHECK (state IN ('none', 'scheduled', 'queued', 'running', 'success', 'failed', 'up_for_retry',
                                 'up_for_reschedule', 'skipped', 'upstream_failed'));
            DROP INDEX task_instances_unfinished;
            CREATE INDEX task_instances_unfinished ON task_instances (run_id)
                WHERE state IN ('none', 'scheduled', 'queued', 'running', 'up_for_retry', 'up_for_reschedule');
            -- Sensors between checks are due like retries.
            CREATE INDEX task_instances_reschedule_due ON task_instances (next_retry_at)
                WHERE state = 'up_for_reschedule';
            """)
}

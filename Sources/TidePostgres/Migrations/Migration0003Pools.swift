extension Migration {
    static let pools = Migration(
        version: 3, name: "pools",
        sql: """
            CREATE TABLE pools (
                name         text PRIMARY KEY,
                slots        integer NOT NULL CHECK (slots >= 0),
                description  text NOT NULL DEFAULT ''
            );
            INSERT INTO pools (name, slots, description) VALUES ('default_pool', 128, 'Default pool');

            ALTER TABLE task_instances ADD COLUMN pool text NOT NULL DEFAULT 'default_pool';
            ALTER TABLE task_instances ADD COLUMN pool_slots integer NOT NULL DEFAULT 1;
            CREATE INDEX task_instances_ready ON task_instances (priority_weight DESC, scheduled_at, id)
                WHERE state = 'scheduled';
            CREATE INDEX task_instances_active ON task_instances (dag_id, task_id, pool)
                WHERE state IN ('queued', 'running');
            """)
}

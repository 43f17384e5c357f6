extension Migration {
    static let dispatchColumns = Migration(
        version: 9, name: "dispatch_columns",
        sql: """
            -- What dispatch and run creation need of a DAG's current version, kept beside it, so that
            -- neither reads (nor parses) every definition: the DAG's max_active_tasks, each limited
            -- task's max_active_tis_per_dag (task id -> limit), and whether it has a schedule.
            ALTER TABLE dags ADD COLUMN max_active_tasks integer NOT NULL DEFAULT 16,
                ADD COLUMN task_limits jsonb NOT NULL DEFAULT '{}',
                ADD COLUMN has_schedule boolean NOT NULL DEFAULT true;
            UPDATE dags d SET
                max_active_tasks = coalesce((v.definition ->> 'max_active_tasks')::integer, 16),
                task_limits = coalesce(
                    (SELECT jsonb_object_agg(t ->> 'task_id', (t ->> 'max_active_tis_per_dag')::integer)
                     FROM jsonb_array_elements(v.definition -> 'tasks') t
                     WHERE jsonb_typeof(t -> 'max_active_tis_per_dag') = 'number'), '{}'),
                has_schedule = coalesce(v.definition -> 'schedule' ->> 'kind', 'manual') <> 'manual'
            FROM dag_versions v WHERE v.dag_id = d.dag_id AND v.content_hash = d.current_hash;
            CREATE INDEX dags_scheduled ON dags (dag_id) WHERE is_active AND NOT is_paused AND has_schedule;
            """)
}

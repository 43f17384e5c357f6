extension Migration {
    static let mapping = Migration(
        version: 15, name: "dynamic_task_mapping",
        sql: """
            -- Dynamic task mapping (Airflow's expand): a mapped task has one instance per item,
            -- map_index 0…N-1; every other task, and a mapped task not yet expanded (or expanded
            -- over nothing), has the one instance -1, as in Airflow. map_item holds a mapped
            -- instance's arguments (name → item), fixed when the task is expanded.
            ALTER TABLE task_instances ADD COLUMN map_index integer NOT NULL DEFAULT -1;
            ALTER TABLE task_instances ADD COLUMN map_item jsonb;
            ALTER TABLE task_instances DROP CONSTRAINT task_instances_run_id_task_id_key;
            ALTER TABLE task_instances ADD CONSTRAINT task_instances_run_id_task_id_map_index_key
                UNIQUE (run_id, task_id, map_index);
            """)
}
